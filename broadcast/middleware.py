from django.utils import translation

from . import banner

PLACEHOLDER = banner.PLACEHOLDER.encode()


class AlertBannerMiddleware:
    """Puts the current emergency banner into every HTML page that has the placeholder.

    Runs on the way out, so a page served from the portal's whole-page cache still gets the banner
    of this moment (no alert waits for a cached copy to expire).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (getattr(response, "streaming", False) or response.status_code != 200
                or "text/html" not in response.get("Content-Type", "")):
            return response
        if PLACEHOLDER not in response.content:
            return response
        html = getattr(request, "alert_banner", None)  # read with a cached page, in its round trip
        if html is None:
            html = banner.render(getattr(request, "LANGUAGE_CODE", None) or translation.get_language())
        response.content = response.content.replace(PLACEHOLDER, html.encode(), 1)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
