/**
 * @file Tree-sitter grammar for dfc's `.df` language.
 *
 * It follows grammar/dfc.lalrpop (the compiler's grammar) and the tokens of
 * src/syntax/lexer.rs; the test suite parses every bundled `.df` with it and requires no
 * ERROR node (tests/it/tree_sitter.rs). Generate with `tree-sitter generate`.
 */

/* eslint-disable no-undef */

const commaSep = (rule) => optional(seq(rule, repeat(seq(',', rule)), optional(',')));
const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));

module.exports = grammar({
  name: 'df',

  extras: ($) => [/[ \t\r\n\f]/, $.comment],

  word: ($) => $.identifier,

  rules: {
    source_file: ($) => repeat($._item),

    _item: ($) =>
      choice(
        $.use_item,
        $.network,
        $.hardware,
        $.dataflow,
        $.mapping,
        $.test,
        $.accelerator,
        $.workload,
        $.sweep,
      ),

    comment: (_) => token(seq('//', /[^\n]*/)),
    identifier: (_) => /[A-Za-z_][A-Za-z0-9_]*/,
    primed: (_) => /[A-Za-z_][A-Za-z0-9_]*'/,
    integer: (_) => /[0-9][0-9_]*/,
    float: (_) =>
      token(choice(/[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?/, /[0-9][0-9_]*[eE][+-]?[0-9]+/)),
    string: (_) => /"[^"\n]*"/,

    _number: ($) => choice($.integer, $.float),
    _dim_name: ($) => choice($.identifier, $.primed),

    // A name that may also be a keyword: the standard library's folders, field names. The
    // keyword stays a keyword node, as the lexer sees it.
    _path_segment: ($) => choice($.identifier, 'hardware', 'network', 'dataflow', 'mapping', 'test'),

    // ---- use ---------------------------------------------------------------------------
    use_item: ($) =>
      seq(
        'use',
        choice(
          seq('std', '::', $.path),
          seq(field('file', $.string), '::', choice($.identifier, $.use_list)),
        ),
        ';',
      ),
    path: ($) =>
      seq($._path_segment, repeat(seq('::', $._path_segment)), optional(seq('::', $.use_list))),
    use_list: ($) => seq('{', commaSep($.identifier), '}'),

    // ---- network -----------------------------------------------------------------------
    network: ($) => seq('network', field('name', $.identifier), '{', repeat($.layer), '}'),
    layer: ($) =>
      seq(
        field('name', $.identifier),
        '=',
        field('operator', $.identifier),
        '(',
        commaSep($.argument),
        ')',
        optional(seq('after', commaSep1($.identifier))),
        ';',
      ),
    argument: ($) => seq(field('key', $._dim_name), ':', field('value', $._expression)),

    // ---- hardware ----------------------------------------------------------------------
    hardware: ($) => seq('hardware', field('name', $.identifier), '{', repeat($.field), '}'),
    field: ($) =>
      choice(
        seq(field('key', $._path_segment), ':', field('value', $._value), ';'),
        seq(field('key', $._path_segment), '{', repeat($.field), '}'),
      ),
    _value: ($) => choice($.quantity, $.identifier),
    quantity: ($) => seq($._number, optional($.unit)),
    unit: ($) => seq($.identifier, optional(seq('/', $.identifier))),

    // ---- dataflow ----------------------------------------------------------------------
    dataflow: ($) =>
      seq(
        'dataflow',
        field('name', $.identifier),
        optional(seq('(', commaSep($.parameter), ')')),
        '{',
        repeat(choice($.map_directive, $.cluster_directive)),
        '}',
      ),
    parameter: ($) =>
      seq(
        field('name', $.identifier),
        ':',
        field('type', 'int'),
        optional(seq('=', field('default', $._expression))),
      ),
    map_directive: ($) =>
      seq(
        choice('spatial', 'temporal', 'SpatialMap', 'TemporalMap'),
        '(',
        field('size', $._expression),
        ',',
        field('offset', $._expression),
        ')',
        field('dimension', $._dim_name),
        ';',
      ),
    cluster_directive: ($) =>
      seq(
        choice('cluster', 'Cluster'),
        '(',
        field('size', $._expression),
        optional(seq(',', field('kind', $.identifier))),
        ')',
        ';',
      ),

    _expression: ($) =>
      choice(
        $._number,
        $.identifier,
        $.size_expression,
        $.parenthesized_expression,
        $.binary_expression,
      ),
    size_expression: ($) => seq('Sz', '(', field('dimension', $._dim_name), ')'),
    parenthesized_expression: ($) => seq('(', $._expression, ')'),
    binary_expression: ($) =>
      choice(
        prec.left(1, seq($._expression, choice('+', '-'), $._expression)),
        prec.left(2, seq($._expression, choice('*', '/'), $._expression)),
      ),

    // ---- accelerator, workload ---------------------------------------------------------
    accelerator: ($) =>
      seq(
        'accelerator',
        field('name', $.identifier),
        '{',
        repeat(choice($.sub_accelerator, $.field)),
        '}',
      ),
    sub_accelerator: ($) =>
      seq(
        field('name', $._path_segment),
        ':',
        field('hardware', $.identifier),
        'with',
        field('dataflow', $._choice),
        ';',
      ),
    workload: ($) =>
      seq('workload', field('name', $.identifier), '{', repeat($.workload_entry), '}'),
    workload_entry: ($) =>
      seq(field('network', $.identifier), optional(seq(':', field('rate', $.quantity))), ';'),

    // ---- mapping -----------------------------------------------------------------------
    mapping: ($) =>
      seq('mapping', field('name', $.identifier), '{', repeat($._mapping_entry), '}'),
    _mapping_entry: ($) => choice($.binding, $.block),
    binding: ($) =>
      choice(
        seq(field('key', choice('network', 'hardware')), ':', $.identifier, ';'),
        seq(field('key', 'dataflow'), ':', $._choice, ';'),
        seq(field('key', $.identifier), ':', $._choice, ';'),
      ),
    _choice: ($) => choice('search', $.dataflow_call),
    dataflow_call: ($) =>
      seq(field('name', $.identifier), optional(seq('(', commaSep($.argument), ')'))),
    block: ($) => seq(field('key', $.identifier), '{', repeat($.block_entry), '}'),
    block_entry: ($) =>
      seq(
        field('layer', choice($.identifier, '*')),
        ':',
        $.block_part,
        repeat(seq('/', $.block_part)),
        ';',
      ),
    // `int4 w`, `weights 2:4`, `activations 0.5 banded`.
    block_part: ($) => repeat1(choice($.identifier, $.ratio, $._number)),
    ratio: ($) => seq(field('n', $._number), ':', field('m', $._number)),

    // ---- sweep -------------------------------------------------------------------------
    sweep: ($) => seq('sweep', field('name', $.identifier), '{', repeat($.sweep_entry), '}'),
    sweep_entry: ($) =>
      choice(
        seq(field('key', $._path_segment), ':', commaSep1(field('value', $._value)), ';'),
        seq(field('key', $._path_segment), '{', repeat($.sweep_entry), '}'),
      ),

    // ---- test --------------------------------------------------------------------------
    test: ($) =>
      seq(
        'test',
        field('name', $.identifier),
        '{',
        repeat(choice($.setting, $.expect, $.snapshot)),
        '}',
      ),
    _setting_key: ($) => choice($.identifier, 'mapping'),
    setting: ($) =>
      seq(
        field('key', $._setting_key),
        ':',
        field('value', choice($.identifier, 'search')),
        ';',
      ),
    expect: ($) =>
      seq(
        'expect',
        optional(seq(field('layer', $.identifier), '.')),
        field('metric', $.identifier),
        choice(
          field('operator', choice('<', '<=', '>', '>=', '==')),
          seq('within', field('tolerance', $._number), '%', 'of'),
        ),
        field('value', $.quantity),
        ';',
      ),
    snapshot: ($) =>
      seq(
        'snapshot',
        field('what', $._setting_key),
        optional(seq('(', commaSep(field('metric', $.identifier)), ')')),
        ';',
      ),
  },
});
