" Vim compiler file for dfc, the compiler of the .df dataflow language.
" `:compiler dfc` (the df ftplugin sets it), then `:make` and `:copen`.
" Columns are bytes (`--diagnostic-columns bytes`), which is what `%c` counts, so `:cc` lands
" exactly also after non-ASCII text. The code's digits become the error number (`E0203` ->
" `error 203`); `dfc explain E0203` prints its explanation.
if exists("current_compiler")
  finish
endif
let current_compiler = "dfc"

if exists(":CompilerSet") != 2
  command -nargs=* CompilerSet setlocal <args>
endif

CompilerSet makeprg=dfc\ check\ --diagnostic-format\ short\ --diagnostic-columns\ bytes\ %:S
CompilerSet errorformat=%f:%l:%c:\ %trror[E%n]:\ %m,%f:%l:%c:\ %tarning[W%n]:\ %m,dfc:\ %trror[E%n]:\ %m,%-G%.%#
