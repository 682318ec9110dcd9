from interplay.accounts import services
from interplay.accounts.models import ClinicianProfile
from interplay.accounts.permissions import POLICY, Action, can
from interplay.accounts.roles import Modality, Role
from interplay.audit.models import AuditEvent
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase, make_clinician


class QualificationTests(BaseTestCase):
    def test_dit_is_refused_below_150_psychodynamic_hours(self) -> None:
        clinician = make_clinician("newcomer", Role.THERAPIST, hours=149)
        with self.assertRaisesMessage(RuleViolation, "at least 150 supervised hours"):
            services.grant_qualification(
                actor=self.admin, profile=clinician.clinician, modality=Modality.DIT
            )
        self.assertFalse(clinician.clinician.qualifications.exists())

    def test_dit_is_granted_at_150_hours_and_audited(self) -> None:
        clinician = make_clinician("analyst", Role.THERAPIST, hours=150)
        services.grant_qualification(
            actor=self.admin, profile=clinician.clinician, modality=Modality.DIT
        )
        self.assertEqual(clinician.clinician.modalities, {"dit"})
        event = AuditEvent.objects.by_action("qualification.granted").get()
        self.assertEqual((event.actor, event.detail), (self.admin, {"modality": "dit"}))
        self.assertEqual(event.object_id, str(clinician.public_id))

    def test_ipt_needs_no_psychodynamic_hours(self) -> None:
        services.grant_qualification(
            actor=self.admin, profile=self.therapist.clinician, modality=Modality.IPT
        )
        self.assertEqual(self.therapist.clinician.modalities, {"ipt"})

    def test_hours_cannot_drop_below_the_rule_while_dit_is_held(self) -> None:
        profile = ClinicianProfile.objects.get(user=self.supervisor)
        services.grant_qualification(actor=self.admin, profile=profile, modality=Modality.DIT)
        profile.psychodynamic_supervised_hours = 100
        with self.assertRaises(RuleViolation):
            services.save_clinician_profile(actor=self.admin, profile=profile)

    def test_only_administrators_grant_qualifications(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.grant_qualification(
                actor=self.supervisor, profile=self.therapist.clinician, modality=Modality.IPT
            )


class RoleTests(BaseTestCase):
    def test_a_person_may_hold_several_roles(self) -> None:
        self.assertEqual(self.supervisor.roles, {"supervisor", "therapist"})

    def test_administrator_role_opens_the_admin_and_revoking_closes_it(self) -> None:
        services.grant_role(actor=self.admin, user=self.manager, role=Role.ADMINISTRATOR)
        self.manager.refresh_from_db()
        self.assertTrue(self.manager.is_staff and self.manager.is_superuser)
        services.revoke_role(actor=self.admin, user=self.manager, role=Role.ADMINISTRATOR)
        self.manager.refresh_from_db()
        self.assertFalse(self.manager.is_staff or self.manager.is_superuser)
        events = AuditEvent.objects.about(self.manager).filter(detail__role="administrator")
        actions = sorted(events.values_list("action", flat=True))
        self.assertEqual(actions, ["role.granted", "role.revoked"])

    def test_a_therapist_cannot_grant_roles(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.grant_role(actor=self.therapist, user=self.therapist, role=Role.TRIAGE)

    def test_an_inactive_account_can_do_nothing(self) -> None:
        self.triage.is_active = False
        self.assertFalse(can(self.triage, Action.VIEW_TRIAGE_QUEUE))

    def test_every_action_names_at_least_one_role(self) -> None:
        self.assertEqual(set(POLICY), set(Action))
        self.assertTrue(all(POLICY.values()))
