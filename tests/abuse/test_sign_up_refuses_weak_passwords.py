"""Django's full set of password validators guards sign-up (issue 27, finding 17: only the
minimum-length and common-password ones were on), and the form says which rule a password
broke."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

VALIDATORS = "django.contrib.auth.password_validation."


def test_every_django_password_validator_is_on():
    names = {validator["NAME"] for validator in settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        VALIDATORS + "UserAttributeSimilarityValidator",
        VALIDATORS + "MinimumLengthValidator",
        VALIDATORS + "CommonPasswordValidator",
        VALIDATORS + "NumericPasswordValidator",
    }


@pytest.mark.parametrize(
    ("username", "password", "says"),
    [
        ("mallory", "short1", "This password is too short."),
        ("mallory", "password123", "This password is too common."),
        ("mallory", "48213975061274", "This password is entirely numeric."),
        ("carolina.rivers", "carolina.rivers1", "The password is too similar to the username."),
    ],
)
def test_a_weak_password_is_refused_with_the_rule_it_broke(
    username, password, says, django_user_model
):
    form = {"username": username, "password1": password, "password2": password}
    response = Client().post("/accounts/signup/", form)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not django_user_model.objects.filter(username=username).exists()


def test_the_sign_up_page_lists_the_rules_before_anyone_types():
    page = Client().get("/accounts/signup/").content.decode()
    assert "be too similar to your other personal information" in page
    assert "be entirely numeric" in page
