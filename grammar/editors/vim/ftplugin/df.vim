" Vim filetype plugin for dfc's .df language: `//` comments (and a `gc` operator when no
" commenting plugin provides one), the `dfc` compiler for `:make`, and formatting through
" `dfc fmt` that never replaces the buffer with an error message: `:DfcFmt`, and `gq`
" through 'formatexpr'. On a syntax error the text stays as it was and the errors go to the
" quickfix list.
if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=//\ %s
setlocal comments=://
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=4 softtabstop=4
setlocal formatexpr=DfcFormatExpr()
compiler dfc

command! -buffer -bar DfcFmt call DfcFormatLines(1, line('$'))

let b:undo_ftplugin = "setlocal commentstring< comments< formatoptions< expandtab< shiftwidth<"
      \ . " softtabstop< formatexpr< makeprg< errorformat< | silent! delcommand -buffer DfcFmt"

" A `gc{motion}`, `gcc` and visual `gc` that toggle `// ` (Vim 9.0 has none built in;
" vim-commentary and Vim 9.1's comment package read 'commentstring' instead).
if empty(maparg('gc', 'n'))
  nnoremap <buffer> <silent> <expr> gc DfcCommentOperator()
  nnoremap <buffer> <silent> <expr> gcc DfcCommentOperator() .. '_'
  xnoremap <buffer> <silent> <expr> gc DfcCommentOperator()
  let b:undo_ftplugin ..= " | silent! nunmap <buffer> gc | silent! nunmap <buffer> gcc"
        \ . " | silent! xunmap <buffer> gc"
endif

if exists("*DfcFormatLines")
  finish
endif

" Format lines `first`..`last` with `dfc fmt -`. A range that is not the whole buffer is
" formatted on its own, so it should hold whole items.
function! DfcFormatLines(first, last) abort
  let name = expand('%') ==# '' ? 'buffer.df' : expand('%')
  let errors = tempname()
  let cmd = 'dfc fmt --diagnostic-format short --diagnostic-columns bytes --stdin-filepath '
        \ . shellescape(name) . ' - 2>' . shellescape(errors)
  let input = getline(a:first, a:last)
  let output = systemlist(cmd, input)
  if v:shell_error == 0
    if output !=# input
      let view = winsaveview()
      silent execute a:first . ',' . a:last . 'delete _'
      call append(a:first - 1, output)
      call winrestview(view)
    endif
    call delete(errors)
    return 0
  endif
  " Leave the text alone; list the errors, moved to the range's lines.
  let shift = a:first - 1
  let lines = filereadable(errors) ? readfile(errors) : output
  call delete(errors)
  let items = getqflist({'lines': lines, 'efm': &l:errorformat}).items
  for item in items
    let item.bufnr = bufnr('%')
    if item.lnum > 0
      let item.lnum += shift
    endif
  endfor
  call setqflist([], ' ', {'title': 'dfc fmt', 'items': items})
  echohl WarningMsg
  echomsg 'dfc fmt: not formatted, ' . len(items) . ' error(s) in the quickfix list (:copen)'
  echohl None
  return 0
endfunction

function! DfcFormatExpr() abort
  " Insert-mode auto-wrapping goes to Vim's own formatting.
  if mode() =~# '[iR]'
    return 1
  endif
  return DfcFormatLines(v:lnum, v:lnum + v:count - 1)
endfunction

function! DfcCommentOperator(...) abort
  if a:0 == 0
    set operatorfunc=DfcCommentOperator
    return 'g@'
  endif
  let [first, last] = [line("'["), line("']")]
  let lines = getline(first, last)
  let code = filter(copy(lines), 'v:val =~# "\\S"')
  let commented = !empty(code) && empty(filter(copy(code), 'v:val !~# "^\\s*//"'))
  let indent = min(map(copy(code), 'len(matchstr(v:val, "^\\s*"))'))
  let result = []
  for line in lines
    if line !~# '\S'
      call add(result, line)
    elseif commented
      call add(result, substitute(line, '^\(\s*\)// \=', '\1', ''))
    else
      call add(result, strpart(line, 0, indent) . '// ' . strpart(line, indent))
    endif
  endfor
  call setline(first, result)
  return ''
endfunction
