"""The signed-in user read with their roles in one statement, and sessions that began
under Django's ModelBackend still signed in."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse

from interplay.accounts.backends import MODEL_BACKEND, PATH, UserAndRolesBackend
from interplay.accounts.models import Role
from interplay.test import BaseTestCase, make_user


class UserAndRolesBackendTests(BaseTestCase):
    def test_the_user_comes_with_their_roles_in_one_statement(self) -> None:
        user = make_user("both", Role.THERAPIST, Role.SUPERVISOR)
        with self.assertNumQueries(1):
            found = UserAndRolesBackend().get_user(user.pk)
            assert found is not None
            self.assertEqual(found.roles, {Role.THERAPIST, Role.SUPERVISOR})
        self.assertEqual(found, user)

    def test_a_user_with_no_role_has_none(self) -> None:
        user = make_user("nobody")
        found = UserAndRolesBackend().get_user(str(user.pk))
        assert found is not None
        self.assertEqual(found.roles, frozenset())

    def test_no_user_for_an_inactive_account_a_missing_one_or_a_bad_id(self) -> None:
        user = make_user("gone", Role.THERAPIST, is_active=False)
        backend = UserAndRolesBackend()
        self.assertIsNone(backend.get_user(user.pk))
        self.assertIsNone(backend.get_user(user.pk + 1000))
        self.assertIsNone(backend.get_user("not a number"))

    def test_signing_in_stores_this_backend(self) -> None:
        make_user("sam", Role.TRIAGE)
        self.client.post(
            reverse("accounts:login"),
            {"username": "sam", "password": "correct-horse-battery-staple"},
        )
        self.assertEqual(self.client.session[BACKEND_SESSION_KEY], PATH)

    def test_a_session_begun_under_model_backend_stays_signed_in(self) -> None:
        user = make_user("sam", Role.TRIAGE)
        self.sign_in(user)
        session = self.client.session
        session[BACKEND_SESSION_KEY] = MODEL_BACKEND
        session.save()
        response = self.client.get(reverse("triage:queue"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.wsgi_request.user, user)
