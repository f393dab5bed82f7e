; Highlights for `.df` (nvim-treesitter capture names; Helix and Zed read the same file).
; The first pattern that matches a node wins, so contextual names come before plain ones.

(comment) @comment
(string) @string
[(integer) (float)] @number

; A unit after a number: `64 KiB`, `64 B/cycle`.
(unit (identifier) @type.unit)
(unit "/" @type.unit)

; Items and their names.
(network name: (identifier) @type)
(hardware name: (identifier) @type)
(dataflow name: (identifier) @type)
(mapping name: (identifier) @type)
(test name: (identifier) @type)
(accelerator name: (identifier) @type)
(workload name: (identifier) @type)
(sweep name: (identifier) @type)

; Layers: the name is defined here, the operator is called.
(layer name: (identifier) @variable)
(layer operator: (identifier) @function.builtin)
(dataflow_call name: (identifier) @function)
(parameter name: (identifier) @variable.parameter)

; Precisions, operands and densities in `precision { … }` and `sparsity { … }` entries: a
; word after the first is what the first applies to (`int4 w`) or how (`weights 0.5 banded`).
(block_part . (identifier) @type.builtin)
(block_part (identifier) @variable.parameter)

; Dimensions: primed output dimensions and the loop dimensions.
(primed) @variable.builtin
((identifier) @variable.builtin
  (#any-of? @variable.builtin "N" "G" "K" "C" "R" "S" "Y" "X"))

; Keys: fields, arguments, settings, bindings.
(field key: (identifier) @property)
(sweep_entry key: (identifier) @property)
(argument key: (identifier) @property)
(setting key: (identifier) @property)
(binding key: (identifier) @property)
(block key: (identifier) @property)
(block_entry layer: (identifier) @property)
(sub_accelerator name: (identifier) @property)
(workload_entry network: (identifier) @property)
(expect metric: (identifier) @constant)
(expect layer: (identifier) @variable)
(snapshot metric: (identifier) @constant)
(path (identifier) @module)

(identifier) @variable

[
  "use" "std" "network" "hardware" "dataflow" "mapping" "test" "expect" "snapshot"
  "within" "of" "search" "int" "accelerator" "workload" "sweep" "after" "with"
] @keyword

["spatial" "temporal" "cluster" "SpatialMap" "TemporalMap" "Cluster" "Sz"] @keyword.directive

["=" "+" "-" "*" "/" "%" "<" "<=" ">" ">=" "=="] @operator
["::" ":" "," ";" "."] @punctuation.delimiter
["{" "}" "(" ")"] @punctuation.bracket

(ERROR) @error
