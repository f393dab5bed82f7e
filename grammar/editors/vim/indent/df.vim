" Vim indent file for dfc's .df language: one 'shiftwidth' per open brace or parenthesis,
" as `dfc fmt` lays files out; a line starting with `}` or `)` goes back one level.
if exists("b:did_indent")
  finish
endif
let b:did_indent = 1

setlocal autoindent nosmartindent nocindent
setlocal indentexpr=DfIndent(v:lnum)
setlocal indentkeys=0{,0},0),!^F,o,O
let b:undo_indent = "setlocal autoindent< smartindent< cindent< indentexpr< indentkeys<"

if exists("*DfIndent")
  finish
endif

" The brackets a line opens minus those it closes, leaving out a leading run of closers
" (that line was already moved back for them), strings and comments.
function! s:NetOpen(line) abort
  let code = substitute(a:line, '"[^"]*"', '', 'g')
  let code = substitute(code, '//.*$', '', '')
  let code = substitute(code, '^\s*[})]\+', '', '')
  let opens = len(substitute(code, '[^{(]', '', 'g'))
  let closes = len(substitute(code, '[^})]', '', 'g'))
  return opens - closes
endfunction

function! DfIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let ind = indent(prev) + shiftwidth() * (s:NetOpen(getline(prev)) > 0 ? 1 : 0)
  if getline(a:lnum) =~# '^\s*[})]'
    let ind -= shiftwidth()
  endif
  return max([ind, 0])
endfunction
