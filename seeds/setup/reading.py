"""Reading a set-up file someone uploaded: bytes in, a document or the reasons it cannot be read out.

Safe YAML only (no Python objects), and no anchors or aliases: a file of a few kilobytes could otherwise name one
list a billion times over, and the checks would walk every copy. The pure-Python loader is used because aliases
can only be refused there; files are small.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.utils.translation import gettext as _

MAX_SETUP_FILE_BYTES = 1024 * 1024


class UnreadableSetup(ValueError):
    """The file is not a YAML document this platform reads; the message says why, for the person uploading."""


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise UnreadableSetup(
                _("Line %(line)d: anchors and aliases (*name) are not allowed in a set-up file; write the values out.")
                % {"line": mark.line + 1}
            )
        return super().compose_node(parent, index)


def read_setup(content: bytes) -> Any:
    """The YAML document in `content` (UTF-8). Raises UnreadableSetup."""
    if len(content) > MAX_SETUP_FILE_BYTES:
        raise UnreadableSetup(_("The file is larger than 1 MB."))
    if b"\x00" in content:
        raise UnreadableSetup(_("The file holds NUL bytes: it is not a text file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableSetup(_("The file is not UTF-8 text.")) from error
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a safe loader that also refuses aliases
    except yaml.MarkedYAMLError as error:
        mark, problem = error.problem_mark, error.problem or error.context or ""
        if mark is None:
            raise UnreadableSetup(_("This is not valid YAML (%(problem)s).") % {"problem": problem}) from error
        where = {"line": mark.line + 1, "column": mark.column + 1, "problem": problem}
        message = _("Line %(line)d, column %(column)d: this is not valid YAML (%(problem)s).") % where
        raise UnreadableSetup(message) from error
    except yaml.YAMLError as error:
        raise UnreadableSetup(_("This is not valid YAML.")) from error
    except RecursionError as error:
        raise UnreadableSetup(_("The file is nested too deeply.")) from error
