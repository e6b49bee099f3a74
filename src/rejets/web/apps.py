from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rejets.web"
    verbose_name = "Application web"
