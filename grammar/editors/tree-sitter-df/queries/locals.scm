; Scopes, definitions and references for `.df`: items are defined at the top level,
; layers inside a network, parameters inside a dataflow.

(source_file) @local.scope
(network) @local.scope
(dataflow) @local.scope

(network name: (identifier) @local.definition.type)
(hardware name: (identifier) @local.definition.type)
(dataflow name: (identifier) @local.definition.function)
(mapping name: (identifier) @local.definition.type)
(accelerator name: (identifier) @local.definition.type)
(workload name: (identifier) @local.definition.type)
(sweep name: (identifier) @local.definition.type)
(test name: (identifier) @local.definition.type)
(layer name: (identifier) @local.definition.var)
(parameter name: (identifier) @local.definition.parameter)
(use_list (identifier) @local.definition.import)

(identifier) @local.reference
