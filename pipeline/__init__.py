"""wikitext-corpus: clean WikiText and plain-text articles into a versioned HF dataset."""

__version__ = "0.1.0"
