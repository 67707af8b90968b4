"""The notice's sources, its clause parser and the term list drawn from its vocabulary."""
