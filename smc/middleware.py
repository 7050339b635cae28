from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class KoreanFirstLocaleMiddleware:
    """Korean for everyone unless they chose English with the language switcher (a cookie).

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is ignored: a Seoul civil
    servant's or citizen's English-language browser still gets the Korean service first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
