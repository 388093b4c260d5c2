"""Pure response parsers: bytes in, Arrow out."""
