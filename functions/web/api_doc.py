"""What the public API promises, operation by operation: the patient's endpoints, the visits API and the
providers' webhooks, each keyed by its Flask endpoint. ``openapi.py`` joins these to the app's own
routes (paths, methods and path parameters come from the routes themselves), and a test walks every
route of the app against the document, so neither can drift. To document a new public route, add its
endpoint here; a route that is not public API belongs to PRIVATE with the reason.
"""

from __future__ import annotations

from functions.visits.contacts import CHANNELS

# Blueprints that are not public API: the dashboard (a browser's pages behind a session), the rating
# page's HTML and assets (served by the CDN on AWS), the embedded mode's outbox, and the unsubscribe page a
# campaign letter links to.
PRIVATE = ("admin", "pages", "outbox", "unsubscribe")


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict:
    return json_body(ref("Error"), description)


def html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


TEXT = {"type": "string", "maxLength": 200}
# The patient's contact wish, as the page sends it: every spelling the server reads, and each whole-hour window.
CHANNEL = {"type": "string", "enum": ["", *sorted({s for spellings in CHANNELS.values() for s in spellings})]}
HOURS = {"type": "string", "enum": ["", *(f"{a}-{b}" for a in range(24) for b in range(a + 1, 25))],
         "description": "a window of whole hours; 18:00-21:00, с 18 до 21, после 18, вечером are read too"}
# Email and Telegram need the address to write to; the other channels reach the visit's own number.
ADDRESS_CHANNELS = {"email": "email", "telegram": "telegram"}
PLAIN_CHANNEL = {"type": "string", "enum": ["", *sorted(s for key, spellings in CHANNELS.items()
                                                        if key not in ADDRESS_CHANNELS for s in spellings)]}
EMAIL_ADDRESS = {"type": "string", "maxLength": 100, "pattern": "^[a-z0-9]{1,20}@[a-z0-9]{1,20}\\.[a-z]{2,6}$"}
TELEGRAM_NAME = {"type": "string", "maxLength": 33, "pattern": "^@?[A-Za-z0-9_]{5,32}$"}
CONTACT = {"description": "how and when to reach the patient; left out unless an object. Email and Telegram "
                          "need the address (or username) to write to.",
           "oneOf": [
               {"type": "object", "properties": {"channel": PLAIN_CHANNEL, "hours": HOURS}},
               {"type": "object", "required": ["channel", "address"], "properties": {
                   "channel": {"type": "string", "enum": sorted(CHANNELS["email"])}, "hours": HOURS,
                   "address": EMAIL_ADDRESS}},
               {"type": "object", "required": ["channel", "address"], "properties": {
                   "channel": {"type": "string", "enum": sorted(CHANNELS["telegram"])}, "hours": HOURS,
                   "address": TELEGRAM_NAME}},
               {"not": {"type": "object"}, "description": "anything else is left out"}]}
TONE = {"type": "string", "enum": ["glad", "neutral", "sorry"],
        "description": "how the page speaks to this score: glad at or above the clinic's threshold, sorry for 1-2"}
REWARD_STATE = {"type": "string", "enum": ["offered", "earned", "budget_spent", "phone_limit", "none"],
                "description": "What the page may promise: offered, earned, or why not (the month's budget is "
                               "spent, this phone had one recently, the clinic gives none)."}
SCHEMAS: dict[str, dict] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "description": "stable, for programs"},
                       "message": {"type": "string", "description": "in the clinic's or the caller's language"}}}}},
    "Platform": {"type": "object", "required": ["id", "name", "type", "href"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "type": {"type": "string"},
        "href": {"type": "string", "description": "/r/<token>/<platform>: counts the click, then redirects"}}},
    "Invite": {"type": "object", "required": ["clinic", "reward", "policy", "answer", "platforms"], "properties": {
        "clinic": {"type": "object", "required": ["name", "locale"], "properties": {
            "name": {"type": "string"}, "locale": {"type": "string", "enum": ["ru", "en"]},
            "logo": {"type": "string"}, "accent": {"type": "string"}}},
        "reward": {"type": "object", "required": ["amount_minor", "currency", "display", "state"], "properties": {
            "amount_minor": {"type": "integer", "minimum": 0}, "currency": {"type": "string"},
            "display": {"type": "string"}, "state": REWARD_STATE,
            "within": {"type": "string", "description": "when it arrives, in the page's words"},
            "often": {"type": "string", "description": "how often a number may have one, in the page's words"}}},
        "policy": {"type": "string", "enum": ["gated", "open"]},
        "answer": {"type": "object", "properties": {
            "score": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 5},
            "route": {"type": "string", "nullable": True, "enum": ["public", "private", "both", None]},
            "feedback_sent": {"type": "boolean"}, "opted_out": {"type": "boolean"},
            "tone": {**TONE, "nullable": True, "enum": [*TONE["enum"], None]},
            "can_change": {"type": "boolean",
                           "description": "a mis-tapped score may be changed until words are sent"}}},
        "platforms": {"type": "array", "items": ref("Platform")}}},
    "Rating": {"type": "object", "required": ["score"], "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5}}},
    "RatingResult": {"type": "object", "required": ["score", "first", "changed", "route", "tone", "platforms",
                                                     "reward"], "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5,
                  "description": "the score that stands: the latest, changed until words are sent"},
        "first": {"type": "boolean"}, "changed": {"type": "boolean"}, "tone": TONE,
        "route": {"type": "string", "enum": ["public", "private", "both"]},
        "platforms": {"type": "array", "items": ref("Platform")}, "reward": REWARD_STATE}},
    "Feedback": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "[^\\s\\x00]",
                 "description": "at least one letter; kept as written"},
        "contact": CONTACT}},
    "FeedbackResult": {"type": "object", "required": ["received", "first", "reward"], "properties": {
        "received": {"type": "boolean"}, "first": {"type": "boolean"}, "reward": REWARD_STATE}},
    "OptoutResult": {"type": "object", "required": ["opted_out"], "properties": {"opted_out": {"type": "boolean"}}},
    "Visit": {"type": "object", "required": ["patient_name", "phone", "visit_at"], "properties": {
        "external_id": {"type": "string", "maxLength": 64, "description": "the clinic's own id: the same id updates"},
        "patient_name": {"type": "string", "maxLength": 120}, "phone": {"type": "string", "maxLength": 40},
        "visit_at": {"type": "string", "description": "2026-11-23T14:30 or 23.11.2026 14:30, the clinic's time "
                                                      "unless an offset is given; within a year of today"},
        "doctor": TEXT, "branch": TEXT, "service": TEXT,
        "consent": {"description": "SMS consent: true/false or да/нет; the clinic's default when left out",
                    "oneOf": [{"type": "boolean"}, {"type": "string"}]},
        "contact_channel": TEXT, "contact_hours": TEXT, "contact_days": TEXT}},
    "VisitsBatch": {"type": "object", "required": ["visits"], "properties": {
        "clinic_id": {"type": "string", "description": "optional; must be the key's clinic"},
        "visits": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
            "description": "each a Visit; an item that is not a good visit is that item's error in the report, "
                           "never the batch's, so any item is taken"}}}},
    "RowProblem": {"type": "object", "required": ["index", "column", "code", "reason"], "properties": {
        "index": {"type": "integer", "minimum": 0, "description": "the item's place in the batch, from 0"},
        "column": {"type": "string"}, "code": {"type": "string"},
        "reason": {"type": "string", "description": "in the clinic's language"}}},
    "ImportReport": {"type": "object", "required": ["imported", "updated", "rejected", "errors", "warnings"],
                     "properties": {
                         "imported": {"type": "integer", "minimum": 0}, "updated": {"type": "integer", "minimum": 0},
                         "rejected": {"type": "integer", "minimum": 0}, "no_consent": {"type": "integer"},
                         "not_mobile": {"type": "integer"}, "errors": {"type": "array", "items": ref("RowProblem")},
                         "warnings": {"type": "array", "items": ref("RowProblem")}}},
    "TwilioForm": {"type": "object", "properties": {
        "MessageSid": {"type": "string"}, "MessageStatus": {"type": "string"}, "From": {"type": "string"},
        "Body": {"type": "string"}}},
}

GONE = {"404": error("No such invite (the link is wrong)."), "410": error("The link has expired.")}
REFUSED = {"409": error("Not taken, nothing changed: the number opted out (opted_out), the answer is complete "
                        "(answered), or words came before a score (not_rated).")}
PAGE_GONE = {"404": {"description": "No such invite: the page saying so (or, for an address no form has, JSON).",
                     "content": {"text/html": {"schema": {"type": "string"}},
                                 "application/json": {"schema": ref("Error")}}},
             "410": html("The page saying the link has expired.")}
TOO_LARGE = {"413": error("The body is larger than the endpoint takes.")}
TOKEN_ERRORS = {**GONE, "400": error("The body is not what the endpoint takes; the words say what.")}
FORM = "application/x-www-form-urlencoded"
TWILIO_SIGNATURE = {"name": "X-Twilio-Signature", "in": "header", "required": False, "schema": {"type": "string"},
                    "description": "checked against FUNNEL_TWILIO_AUTH_TOKEN; a request without it is refused"}


def _page_form(fields: dict, summary: str) -> dict:
    """The rating page's forms without JavaScript: the answer is the page in its next state."""
    required = [n for n in fields if n in ("score", "text")]
    body = {"type": "object", "properties": fields, **({"required": required} if required else {})}
    return {"post": {"summary": summary, "tags": ["patient"],
                     "requestBody": {"required": bool(required), "content": {FORM: {"schema": body}}},
                     "responses": {"200": html("The page in its next state."),
                                   "400": html("The page again, saying what to fix."),
                                   "404": html("The page saying the link is unknown."),
                                   "409": html("The page as it stands: opted out, answered, or a score first."),
                                   "410": html("The page saying the link has expired."), **TOO_LARGE}}}


OPERATIONS: dict[str, dict] = {
    "invites.show": {"get": {
        "summary": "The invite as the rating page shows it: the clinic, the reward, what was answered",
        "tags": ["patient"], "responses": {"200": json_body(ref("Invite"), "The invite."), **GONE}}},
    "invites.rating": {"post": {
        "summary": "Give a score (the first one stands); the answer says where the page goes next",
        "tags": ["patient"], "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("Rating")}}},
        "responses": {"200": json_body(ref("RatingResult"), "The score that stands and the next step."),
                      **TOKEN_ERRORS, **REFUSED, **TOO_LARGE}}},
    "invites.feedback": {"post": {
        "summary": "Write a few words to the director (after a score); the director hears of it at once",
        "tags": ["patient"], "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("Feedback")}}},
        "responses": {"200": json_body(ref("FeedbackResult"), "Received (the same words again are received again)."),
                      **REFUSED, **TOKEN_ERRORS, **TOO_LARGE}}},
    "invites.optout": {"post": {
        "summary": "No more messages from this clinic to this number, at once and for good",
        "tags": ["patient"], "responses": {"200": json_body(ref("OptoutResult"), "Opted out."), **GONE,
                                           **REFUSED}}},
    "forms.platform_link": {"get": {
        "summary": "Count the click (once per invite and platform) and send the patient on to the clinic's review "
                   "platform; a link this invite cannot follow shows the patient's page",
        "tags": ["patient"], "responses": {
            "302": {"description": "To the platform's configured https address, nowhere else.",
                    "headers": {"Location": {"schema": {"type": "string"}}}},
            "200": html("The patient's page: no happy score yet, or (with a notice) an unknown platform."),
            "404": html("The page saying the link is unknown (or the platform is)."),
            "409": html("The page as it stands (the number opted out)."),
            "410": html("The page saying the link has expired.")}}},
    "forms.form_page": {"get": {
        "summary": "A form's address opened (a reload, a shared link, the first screen without JavaScript): "
                   "the page as it stands",
        "tags": ["patient"],
        "parameters": [{"name": "form", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["rating", "feedback", "optout"]}}],
        "responses": {"200": html("The page as it stands."), **PAGE_GONE}}},
    "forms.rate_form": _page_form({"score": {"type": "string", "enum": ["1", "2", "3", "4", "5"]}},
                                  "The page's score buttons without JavaScript"),
    "forms.feedback_form": _page_form({"text": SCHEMAS["Feedback"]["properties"]["text"], "channel": PLAIN_CHANNEL,
                                       "hours": HOURS}, "The page's complaint form without JavaScript (the "
                                                        "address field for email or Telegram as in the API)"),
    "forms.optout_form": _page_form({}, "The page's opt-out button without JavaScript"),
    "visits.post_visits": {"post": {
        "summary": "Push up to 1,000 visits; each is imported, updated or reported with its reason",
        "tags": ["visits"], "security": [{"apiKey": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("VisitsBatch")}}},
        "responses": {"200": json_body(ref("ImportReport"), "What became of each visit (one bad item is that "
                                                            "item's error, never the batch's)."),
                      "400": error("The body is not a batch of visits."), "401": error("No valid API key."),
                      "403": error("The key is another clinic's, or its clinic is gone."),
                      "413": error("More than 1,000 visits, or a body over 1 MB.")}}},
    "hooks.twilio_status": {"post": {
        "summary": "Twilio's delivery status for an invite", "tags": ["webhooks"], "parameters": [TWILIO_SIGNATURE],
        "requestBody": {"required": False, "content": {FORM: {"schema": ref("TwilioForm")}}},
        "responses": {"200": {"description": "Recorded, or ignored when unknown (so Twilio does not retry)."},
                      "403": error("Not signed by Twilio.")}}},
    "hooks.twilio_inbound": {"post": {
        "summary": "A patient's reply to the SMS; STOP opts the number out of every clinic", "tags": ["webhooks"],
        "parameters": [TWILIO_SIGNATURE],
        "requestBody": {"required": False, "content": {FORM: {"schema": ref("TwilioForm")}}},
        "responses": {"200": {"description": "An empty TwiML answer.",
                              "content": {"text/xml": {"schema": {"type": "string"}}}},
                      "403": error("Not signed by Twilio.")}}},
    "hooks.smsru_status": {"post": {
        "summary": "SMS.ru's delivery statuses; found only through its secret path", "tags": ["webhooks"],
        "requestBody": {"required": False, "content": {FORM: {"schema": {
            "type": "object", "additionalProperties": {"type": "string"},
            "description": "data[] lines: sms_status, the message id, the status code, the time"}}}},
        "responses": {"200": {"description": "100, as SMS.ru asks.",
                              "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "404": error("No such callback.")}}},
    "channel_hooks.whatsapp_handshake": {"get": {
        "summary": "Meta's webhook verification for a clinic's WhatsApp number", "tags": ["webhooks"],
        "parameters": [{"name": f"hub.{name}", "in": "query", "required": False, "schema": {"type": "string"}}
                       for name in ("mode", "verify_token", "challenge")],
        "responses": {"200": {"description": "The challenge, as Meta asks.",
                              "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "403": error("The verify token is not this clinic's."),
                      "404": error("This clinic has no WhatsApp webhook.")}}},
    "channel_hooks.whatsapp_update": {"post": {
        "summary": "WhatsApp delivery statuses and patients' messages (STOP opts out; words join an open case)",
        "tags": ["webhooks"],
        "parameters": [{"name": "X-Hub-Signature-256", "in": "header", "required": False,
                        "schema": {"type": "string"}, "description": "sha256=<HMAC of the body with the app secret>; "
                                                                     "a request without a good one is refused"}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "Taken (or ignored when unknown, so Meta does not retry).",
                              "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "400": error("Not a JSON object."), "403": error("Not signed with this clinic's app secret."),
                      "404": error("This clinic has no WhatsApp webhook."), **TOO_LARGE}}},
    "channel_hooks.telegram_update": {"post": {
        "summary": "Telegram updates for the clinic's bot: a director linking, a button pressed", "tags": ["webhooks"],
        "parameters": [{"name": "X-Telegram-Bot-Api-Secret-Token", "in": "header", "required": False,
                        "schema": {"type": "string"}, "description": "the webhook's secret; without it, refused"}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": json_body({"type": "object"}, "Taken."),
                      "400": error("Not a JSON object."), "403": error("Without this bot's webhook secret."),
                      "404": error("This clinic has no Telegram bot."), **TOO_LARGE}}},
    "openapi.document": {"get": {
        "summary": "This document", "tags": ["meta"],
        "responses": {"200": json_body({"type": "object"}, "The OpenAPI 3 document of the public API.")}}},
}
