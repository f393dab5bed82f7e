; Indentation for `.df`: one level inside braces and parentheses.

[
  (network)
  (hardware)
  (dataflow)
  (mapping)
  (test)
  (accelerator)
  (workload)
  (sweep)
  (sweep_entry)
  (field)
  (block)
  (use_list)
] @indent.begin

["}" ")"] @indent.branch @indent.end

(comment) @indent.auto
