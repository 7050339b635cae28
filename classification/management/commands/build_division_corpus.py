from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from classification import division_corpus


class Command(BaseCommand):
    help = ("corpus/raw/*.txt 에서 부서 말뭉치(divisions_train.tsv, divisions_heldout.tsv)를 만듭니다. "
            "Build the division corpus (training and held-out parts) from the hand-written raw files.")

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None,
                            help="where to write the two files (default: the corpus itself)")

    def handle(self, *args, **options):
        # The receiving accounts of the raw lines are the account registry's seed, which classification
        # may not import: settings name it (SMC_CLASSIFIER_CORPUS_ACCOUNTS, rows of accounts.seed.ACCOUNTS).
        accounts = import_string(settings.SMC_CLASSIFIER_CORPUS_ACCOUNTS)
        handles = {handle.lower(): (division, field) for _p, handle, _n, division, field, *_rest in accounts}
        try:
            summary = division_corpus.build(handles, out_dir=options["out"])
        except division_corpus.CorpusError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary)
