"""The static files' storage: whitenoise's, with each file's URL worked out once per process (a staff
page draws twenty-odd of them, each a join and a quote; the names and STATIC_URL do not change while
the process runs)."""

from whitenoise.storage import CompressedStaticFilesStorage


class StaticFilesStorage(CompressedStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name):
        if name not in self._urls:
            self._urls[name] = super().url(name)
        return self._urls[name]
