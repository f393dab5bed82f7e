; Folds for `.df`: every item and every braced block.

[
  (network)
  (hardware)
  (dataflow)
  (mapping)
  (test)
  (accelerator)
  (workload)
  (field)
  (block)
] @fold
