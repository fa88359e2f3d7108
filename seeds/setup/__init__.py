"""Study set-up files: a study's whole set-up as one versioned YAML document, in the demo seed files' shapes.

`export_setup` reads a study into a document, `dump_setup` writes it as YAML, `read_setup` reads an uploaded file,
`validate_setup` lists every problem with its path, `import_setup` makes a new draft study from a document and
`clone_study` does both in one step. The format is described in seeds/README.md.
"""

from seeds.setup.export import dump_setup, export_setup, export_setup_file
from seeds.setup.importing import SetupInvalid, clone_study, import_setup
from seeds.setup.reading import MAX_SETUP_FILE_BYTES, UnreadableSetup, read_setup
from seeds.setup.shapes import FORMAT, VERSION, setup_from_seeds
from seeds.setup.validate import validate_setup

__all__ = [
    "FORMAT",
    "MAX_SETUP_FILE_BYTES",
    "VERSION",
    "SetupInvalid",
    "UnreadableSetup",
    "clone_study",
    "dump_setup",
    "export_setup",
    "export_setup_file",
    "import_setup",
    "read_setup",
    "setup_from_seeds",
    "validate_setup",
]
