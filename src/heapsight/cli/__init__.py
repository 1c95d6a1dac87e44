"""One module per command; each stays thin: parse options, call the library, render."""
