{#-
  KPI formulas, in one place. Every mart computes its ratios through these macros; the
  exact formulas are in docs/kpi_glossary.md (and KPI_GLOSSARY.md). Ratios are DOUBLE
  fractions (0.25 = 25 %), NULL when the denominator is 0 or NULL.
-#}

{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- handle time of an agent: talk + wrap (dispo) + dead -#}
{% macro kpi_handle_seconds(talk, wrap, dead) -%}
    (coalesce({{ talk }}, 0) + coalesce({{ wrap }}, 0) + coalesce({{ dead }}, 0))
{%- endmacro %}

{#- occupancy = handle / (handle + available); NULL when available time is unknown -#}
{% macro kpi_occupancy(handle, available) -%}
    {{ safe_divide(handle, '(' ~ handle ~ ' + ' ~ available ~ ')') }}
{%- endmacro %}

{#- utilization = handle / login -#}
{% macro kpi_utilization(handle, login) -%}
    {{ safe_divide(handle, login) }}
{%- endmacro %}

{#- average handle time in seconds = handle seconds / handled calls -#}
{% macro kpi_aht(handle, handled_calls) -%}
    {{ safe_divide(handle, handled_calls) }}
{%- endmacro %}

{#- events per hour = count / (seconds / 3600) -#}
{% macro kpi_per_hour(count, seconds) -%}
    {{ safe_divide(count, '(' ~ seconds ~ ' / 3600.0)') }}
{%- endmacro %}

{#- generic share / rate = part / whole -#}
{% macro kpi_rate(part, whole) -%}
    {{ safe_divide(part, whole) }}
{%- endmacro %}

{#- conversion rate = sales / contacts -#}
{% macro kpi_conversion_rate(sales, contacts) -%}
    {{ safe_divide(sales, contacts) }}
{%- endmacro %}

{#- pause share = pause / login -#}
{% macro kpi_pause_share(pause, login) -%}
    {{ safe_divide(pause, login) }}
{%- endmacro %}

{#- drop (abandon) rate of outbound = drops / live (human) answered calls, drops included -#}
{% macro kpi_drop_rate(drops, human_answered) -%}
    {{ safe_divide(drops, human_answered) }}
{%- endmacro %}

{#- contact rate = contacts / dials -#}
{% macro kpi_contact_rate(contacts, dials) -%}
    {{ safe_divide(contacts, dials) }}
{%- endmacro %}

{#- list penetration = (total leads - never-dialed pending leads) / total leads -#}
{% macro kpi_list_penetration(total_leads, pending_leads) -%}
    {{ safe_divide('(' ~ total_leads ~ ' - coalesce(' ~ pending_leads ~ ', 0))', total_leads) }}
{%- endmacro %}

{#- average speed of answer = queue seconds of answered calls / answered calls -#}
{% macro kpi_asa(answered_queue_seconds, answered_calls) -%}
    {{ safe_divide(answered_queue_seconds, answered_calls) }}
{%- endmacro %}

{#- service level = calls answered within the threshold / calls offered -#}
{% macro kpi_service_level(answered_within, offered) -%}
    {{ safe_divide(answered_within, offered) }}
{%- endmacro %}

{#- abandonment breach: rate strictly above the limit (var abandon_limit, 3 %) -#}
{% macro kpi_abandon_breach(rate) -%}
    coalesce({{ rate }} > {{ var('abandon_limit') }}, false)
{%- endmacro %}

{#- a count with the short abandons taken out (for the *_excl_short rates) -#}
{% macro kpi_excl_short(count, short_abandoned) -%}
    ({{ count }} - {{ short_abandoned }})
{%- endmacro %}

{#- abandon rate = abandoned / offered (industry: offered calls no agent answered);
    abandon_rate_dialer passes the dialer's own abandoned (DROP) over all its inbound calls -#}
{% macro kpi_abandon_rate(abandoned, offered) -%}
    {{ safe_divide(abandoned, offered) }}
{%- endmacro %}

{#- handled call: an agent was connected to a live person - an agent took it (not a drop), and it
    is an inbound call (a caller) or its status rule is human answered (an answering machine A, a
    manual dial that rang out NA / B: no) -#}
{% macro kpi_is_handled(agent_user, is_drop, is_human_answered, direction) -%}
    ({{ agent_user }} is not null and not {{ is_drop }}
     and ({{ direction }} is not distinct from 'inbound' or coalesce({{ is_human_answered }}, false)))
{%- endmacro %}

{#- average talk seconds (talk only, no wrap: NOT an AHT) = talk seconds / handled calls -#}
{% macro kpi_avg_talk(talk, handled_calls) -%}
    {{ safe_divide(talk, handled_calls) }}
{%- endmacro %}

{#- TSR abandoned outbound call (16 CFR 310.4(b)(4)(i)): a live answer not connected to an agent
    within var tsr_connect_seconds (2 s) - dropped (no agent), or reached an agent after a longer wait -#}
{% macro kpi_tsr_abandoned(is_drop, is_human_answered, agent_user, wait_seconds) -%}
    ({{ is_drop }} or ({{ is_human_answered }} and {{ agent_user }} is not null
        and coalesce({{ wait_seconds }}, 0) > {{ var('tsr_connect_seconds') }}))
{%- endmacro %}
