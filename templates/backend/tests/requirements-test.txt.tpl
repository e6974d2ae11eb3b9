{{ header }}
# Exact pins of the test tools (pytest; httpx2, which FastAPI's TestClient
# is built on) and their whole dependency closure on Python 3.11.
# Install next to the app's own: pip install -r requirements.txt -r requirements-test.txt
{%- for _, pin in ipairs(pins) %}
{{ pin }}
{%- end %}
