" dfc's .df dataflow language.
autocmd BufRead,BufNewFile *.df set filetype=df
