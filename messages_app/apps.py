from django.apps import AppConfig


class MessagesAppConfig(AppConfig):
    name = "messages_app"
    verbose_name = "시민 메시지"

    def ready(self):
        # Staff corrections (LabelCorrection rows, tied to messages) feed the classifier's training;
        # classification may not import messages_app, so the inbox hands it their reader.
        from classification import classifier

        from .training import label_corrections

        classifier.register_corrections(label_corrections)
