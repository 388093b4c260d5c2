"""What a dialer platform is: its API surfaces, their URL paths and how each takes credentials.

One module for these facts: settings validate an instance's `platform`/`apis`/`paths` against
them, the client forms requests with them, the endpoint declarations name surfaces and platforms.
"""

from __future__ import annotations

from typing import Literal

Platform = Literal["crocodial", "vicidial", "dialer360"]
Surface = Literal["goapi", "lmapi", "non_agent_api"]

#: The API surfaces each platform exposes unless an instance says otherwise.
PLATFORM_SURFACES: dict[str, tuple[str, ...]] = {
    "crocodial": ("goapi", "lmapi", "non_agent_api"),
    "vicidial": ("non_agent_api",),
    "dialer360": ("non_agent_api",),
}

#: Default URL path of each surface per platform (goAPI paths get the module name inserted).
DEFAULT_PATHS: dict[str, dict[str, str]] = {
    "crocodial": {
        "goapi": "/goAPIv2/{module}/goAPI.php",
        "lmapi": "/API/lmapi.php",
        "non_agent_api": "/vicidial/non_agent_api.php",
    },
    "vicidial": {"non_agent_api": "/vicidial/non_agent_api.php"},
    "dialer360": {"non_agent_api": "/adminpanel/api.php"},
}

#: Form field names of the credentials per surface (sent in the POST body, never the URL).
AUTH_FIELDS: dict[str, tuple[str, str]] = {
    "goapi": ("goUser", "goPass"),
    "lmapi": ("user", "pass"),
    "non_agent_api": ("user", "pass"),
}
