from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jigi.api"
    label = "api"
    verbose_name = "API"
