"""croco-dial `/API/lmapi.php`: lead loading (`function=add_lead`).

croco-dial's own wrapper around VICIdial's add_lead. Its document is the only spec, so the
answers are always the documented forms (user second in the SUCCESS line, ` - ` separator),
whatever the simulator's realism; only the login failure uses VICIdial's real line (the
document shows none). The campaign comes in the documented, misspelled `campaing`
parameter (`campaign_id` is still accepted for callbacks/DNC, as documented), and decides
the hopper/callback campaign of the new lead. It shares LeadStore and the add_lead logic
with non_agent_api, so a lead loaded here is visible to list_info, lead_status_search and
later days' calls.
"""

from __future__ import annotations

from dataclasses import replace

from simulator.context import Params, SimContext
from simulator.nonagent import NO_FUNCTION, first
from simulator.nonagent_auth import authenticate, clean_credential
from simulator.nonagent_call import Call, valid_campaign
from simulator.nonagent_leads import add_lead
from simulator.nonagent_text import HTML, msg


def handle(params: Params, ctx: SimContext) -> tuple[bytes, str]:
    """Serve one lmapi request; returns (body, content type)."""
    user = clean_credential(first(params, "user"))
    password = clean_credential(first(params, "pass"))
    account, error = authenticate(ctx, user, password)
    if account is None:
        return error.encode(), HTML
    function = first(params, "function")
    if function != "add_lead":
        return NO_FUNCTION.encode(), HTML
    if not account.may_call(function):
        account = replace(account, modify_leads=False)
    call = Call(params=params, ctx=ctx, user=account, realism="docs", function=function, surface="lmapi")
    campaing = call.get("campaing")
    if call.user.user_level >= 8 and call.user.modify_leads and not valid_campaign(call, campaing):
        # Required by the document; the answer to a missing/unknown one is not documented:
        # this mirrors add_list's documented `CAMPAIGN DOES NOT EXIST - <user>|<campaign>`.
        phone = call.get("phone_number")
        return msg("ERROR", "add_lead", "CAMPAIGN DOES NOT EXIST", [phone, campaing]).encode(), HTML
    return add_lead(call, campaign_override=campaing).encode(), HTML
