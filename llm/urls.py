app_name = "llm"
urlpatterns: list = []
