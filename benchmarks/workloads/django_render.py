"""Django's test client rendering one template 10,000 times (times the size).

A minimal project (settings, one view, one template) configured in code; each
request goes through the full handler, URL resolver, view and template engine.
Measures what template debugging costs when no template breakpoint is set.
"""

import os

import django
from _report import report, size_from_argv, timer
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
settings.configure(
    DEBUG=True,
    SECRET_KEY="benchmarks-only",
    ALLOWED_HOSTS=["testserver"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    DATABASES={},
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [os.path.join(HERE, "templates")],
            "OPTIONS": {"debug": True},
        }
    ],
)
django.setup()

from django.shortcuts import render  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402


def never_called():
    return 0  # BENCH:never


def page(request):
    return render(request, "bench.html", {"who": "bench", "items": ["a", "b", "c", "d"]})


urlpatterns = [path("page/", page)]


def main():
    n = max(1, int(10_000 * size_from_argv()))
    client = Client()
    start = timer()
    for _ in range(n):
        response = client.get("/page/")  # BENCH:hot
    report(start, n)
    assert response.status_code == 200 and b"(4)" in response.content


main()
