"""Contact addresses a definition still holds as placeholders.

The bundled definition says where returns go as
``send.programme@example.gov.uk``: an address of the reserved ``example``
domain that no one reads.  A form sent out with it tells every owner to
return their figures to nowhere, so ``generate`` warns while one is left.
"""

from __future__ import annotations

import re

from hnbxl.programme.model import Programme

#: An e-mail address with ``example`` as one of its domain's labels (example.com,
#: example.gov.uk, mail.example): reserved for documentation, never delivered.
_PLACEHOLDER = re.compile(r"[\w.+-]+@(?:[\w-]+\.)*example(?:\.[\w-]+)*", re.IGNORECASE)


def placeholder_contacts(p: Programme) -> list[tuple[str, str]]:
    """(definition key, address) for every placeholder address a form would show."""
    places = [("return_to", p.return_to)]
    places += [(f"owners.{o.key}.name", o.name) for o in p.owners.values()]
    return [(key, m.group(0)) for key, text in places for m in _PLACEHOLDER.finditer(text)]
