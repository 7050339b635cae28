from django.apps import AppConfig


class MessagesAppConfig(AppConfig):
    name = "messages_app"
    verbose_name = "시민 메시지"

    def ready(self):
        # Staff corrections (LabelCorrection rows, tied to messages) and transfers feed the classifier's training;
        # classification may not import messages_app, so the inbox hands it their reader.
        from classification import classifier

        from .training import division_transfers, label_corrections

        classifier.register_corrections(label_corrections)
        classifier.register_transfers(division_transfers)

        from classification import admin as classification_admin

        from .selectors import first_time_right

        if first_time_right not in classification_admin.figure_sources:
            classification_admin.figure_sources.append(first_time_right)
