"""Understanding a letter: the parsers that turn its text into the facts the office acts on."""
