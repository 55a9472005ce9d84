"""Response headers every page sends, whichever server serves it (igviz serve, or panel serve with
the light page as a plugin)."""

# Sent with every response (Panel pages, the light page, static files): no other site may show these
# pages in a frame, where a participant or facilitator could be tricked into clicking (clickjacking).
FRAME_HEADERS = {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "frame-ancestors 'self'"}
