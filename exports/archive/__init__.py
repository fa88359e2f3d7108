"""The study archive (ZIP): transcripts in every format, codebook, tables, data dictionary and methods summary."""
