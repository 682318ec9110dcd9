"""The formulation pages: permission ladders, the circle's SVG and table, the forms'
messages beside their fields, and a page whose query count does not grow with people."""

import itertools
import math
import xml.etree.ElementTree as ET
from typing import Any

from django.test import SimpleTestCase
from django.urls import reverse

from interplay.clinic.models import ServiceSettings
from interplay.formulation import circle, services
from interplay.formulation.models import Focus, InventoryEntry, LifeEvent
from interplay.formulation.tests.factories import course_of, person
from interplay.lib.tests.svg import drawn_text
from interplay.test import AUDIT_WRITE, BaseTestCase

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(html: str) -> ET.Element:
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ET.fromstring(html[start:end])


class PageTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)
        self.url = reverse("formulation:page", args=[self.course.public_id])

    def add(self, name: str, ring: int | None = None) -> InventoryEntry:
        entry = services.add_person(actor=self.therapist, course=self.course, **person(name=name))
        if ring:
            services.place_person(actor=self.therapist, entry=entry, ring=ring)
        return entry

    def test_the_permission_ladder(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        for user, status in [
            (self.therapist, 200),
            (self.supervisor, 200),
            (self.outsider, 404),
            (self.triage, 403),
            (self.manager, 403),
            (self.admin, 403),
        ]:
            self.sign_in(user)
            self.assertEqual(self.client.get(self.url).status_code, status, user)

    def test_the_forms_are_the_therapists_the_supervisor_reads(self) -> None:
        entry = self.add("Sam")
        services.record_focus(
            actor=self.therapist, course=self.course, problem_area="grief", rationale="Loss."
        )
        forms = [
            reverse("formulation:add_person", args=[self.course.public_id]),
            reverse("formulation:place", args=[self.course.public_id]),
            reverse("formulation:add_event", args=[self.course.public_id]),
            reverse("formulation:focus", args=[self.course.public_id]),
            reverse("formulation:edit_person", args=[entry.public_id]),
        ]
        reads = [
            reverse("formulation:person", args=[entry.public_id]),
            reverse("formulation:focus_history", args=[self.course.public_id]),
        ]
        for user, write, read in [
            (self.therapist, 200, 200),
            (self.supervisor, 403, 200),
            (self.outsider, 404, 404),
            (self.triage, 403, 403),
        ]:
            self.sign_in(user)
            for url in forms:
                self.assertEqual(self.client.get(url).status_code, write, (user, url))
                if user != self.therapist:
                    self.assertEqual(self.client.post(url, {}).status_code, write, (user, url))
            for url in reads:
                self.assertEqual(self.client.get(url).status_code, read, (user, url))
        self.client.logout()
        self.assertEqual(self.client.get(forms[0]).status_code, 302)
        self.assertEqual(InventoryEntry.objects.count(), 1)  # nothing written by a refusal

    def test_the_supervisor_sees_no_writing_buttons(self) -> None:
        self.add("Sam")
        self.sign_in(self.supervisor)
        response = self.client.get(self.url)
        self.assertContains(response, "Sam")
        self.assertNotContains(response, "Add a person")
        self.assertNotContains(response, "Record the focus")

    def test_the_course_page_links_to_the_formulation(self) -> None:
        self.sign_in(self.therapist)
        response = self.client.get(reverse("courses:detail", args=[self.course.public_id]))
        self.assertContains(response, f'href="{self.url}"')

    def fill(self, count: int) -> None:
        entries = [self.add(f"Person {n}", ring=1 + n % 3) for n in range(count)]
        services.add_life_event(
            actor=self.therapist,
            course=self.course,
            year=2025,
            description="Moved city.",
            mood_change="worse",
            people=entries,
        )
        services.record_focus(
            actor=self.therapist,
            course=self.course,
            problem_area="role_transition",
            rationale="The move.",
            people=entries,
        )

    def test_the_page_costs_the_same_queries_for_one_person_or_five(self) -> None:
        self.fill(1)
        self.sign_in(self.therapist)
        self.client.get(self.url)  # warm the session and the settings row
        with self.assertNumQueries(9 + AUDIT_WRITE) as one:
            self.client.get(self.url)
        for entry in InventoryEntry.objects.all():
            entry.delete()
        LifeEvent.objects.all().delete()
        Focus.objects.all().delete()
        self.fill(5)
        with self.assertNumQueries(len(one.captured_queries)):
            response = self.client.get(self.url)
        self.assertContains(response, "Person 4")

    def test_each_person_is_drawn_on_their_ring_and_listed_in_the_table(self) -> None:
        rings = {"Mum": 1, "Sam": 1, "Priya": 2, "Dev from work": 3, "Uncle Joe": 2}
        for name, ring in rings.items():
            self.add(name, ring)
        self.add("Not placed yet")
        self.sign_in(self.therapist)
        html = self.client.get(self.url).content.decode()
        svg = svg_of(html)
        self.assertEqual(svg.get("role"), "img")
        self.assertIn("5 people", svg.findtext(f"{SVG}title") or "")
        self.assertIsNone(svg.find(f".//{SVG}style"))
        self.assertFalse([e for e in svg.iter() if "style" in e.attrib])
        cx, cy = float(svg.get("data-cx", "")), float(svg.get("data-cy", ""))
        drawn = {}
        for dot in svg.iter(f"{SVG}circle"):
            if dot.get("data-person"):
                distance = math.dist((cx, cy), (float(dot.get("cx", "")), float(dot.get("cy", ""))))
                drawn[dot.get("data-person")] = distance
        self.assertEqual(set(drawn), set(rings))
        for name, ring in rings.items():
            self.assertAlmostEqual(drawn[name], circle.RADII[ring], delta=0.5, msg=name)
        self.assertLess(drawn["Mum"], drawn["Priya"])
        self.assertLess(drawn["Priya"], drawn["Dev from work"])
        table = html[html.index('data-testid="circle-table"') :]
        table = table[: table.index("</table>")]
        self.assertIn("Inner ring (closest)", table)
        self.assertIn("Not on the circle", table)
        self.assertEqual(table.count(str(self.therapist)), 5)
        for name in [*rings, "Not placed yet"]:
            self.assertIn(name, table)

    def test_the_circles_words_are_readable_on_a_phone_and_inside_the_picture(self) -> None:
        rings = {"Mum": 1, "Aunt Bernadette Smith-Jones": 3, "Best friend Chris": 3, "Jo": 3}
        for name, ring in rings.items():
            self.add(name, ring)
        self.sign_in(self.therapist)
        html = self.client.get(self.url).content.decode()
        drawn = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
        texts = drawn_text(drawn)  # 100% of a 390 px phone's column
        self.assertIn("Aunt Bernadette…", [t for t, _ in texts])  # the table has it whole
        for text, px in texts:
            self.assertGreaterEqual(px, 12, text)
        for label in svg_of(html).iter(f"{SVG}text"):
            half = len("".join(label.itertext())) * circle.CHAR_WIDTH * circle.FONT_SIZE / 2
            x = float(label.get("x", ""))
            self.assertGreaterEqual(x - half, 0, label.text)
            self.assertLessEqual(x + half, circle.WIDTH, label.text)


class PersonFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)
        self.sign_in(self.therapist)

    def test_a_missing_name_is_shown_beside_the_field_and_nothing_typed_is_lost(self) -> None:
        url = reverse("formulation:add_person", args=[self.course.public_id])
        response = self.client.post(
            url, {"person-relationship": "friend", "person-feelings": "Safe and understood."}
        )
        self.assertContains(response, "Enter a name or a label for this person", status_code=400)
        self.assertContains(response, "Safe and understood.", status_code=400)
        self.assertContains(response, 'value="friend" checked', status_code=400)
        self.assertFalse(InventoryEntry.objects.exists())

    def test_adding_then_changing_keeps_the_earlier_version_viewable(self) -> None:
        url = reverse("formulation:add_person", args=[self.course.public_id])
        data = {f"person-{k}": v for k, v in person(name="Mum", relationship="parent").items()}
        response = self.client.post(url, data, follow=True)
        self.assertContains(response, "Person added to the inventory.")
        entry = InventoryEntry.objects.get()
        edit = reverse("formulation:edit_person", args=[entry.public_id])
        self.assertContains(self.client.get(edit), "Kind when she is ill.")
        data["person-satisfying"] = "Phones every Sunday."
        self.client.post(edit, data)
        page = self.client.get(reverse("formulation:person", args=[entry.public_id]))
        self.assertContains(page, "Changed 1 time;")
        self.assertContains(page, "Phones every Sunday.")
        self.assertContains(page, "Version 1, by")
        self.assertContains(page, "Kind when she is ill.")  # the earlier version
        listing = self.client.get(reverse("formulation:page", args=[self.course.public_id]))
        self.assertContains(listing, "Changed 1 time")


class CircleFormTests(BaseTestCase):
    def test_the_therapist_places_everyone_in_one_form(self) -> None:
        course = course_of(self.therapist)
        mum = services.add_person(actor=self.therapist, course=course, **person(name="Mum"))
        sam = services.add_person(actor=self.therapist, course=course, **person(name="Sam"))
        self.sign_in(self.therapist)
        url = reverse("formulation:place", args=[course.public_id])
        self.assertContains(self.client.get(url), "Not on the circle")
        response = self.client.post(
            url, {f"place-ring_{mum.public_id}": "1", f"place-ring_{sam.public_id}": "3"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            dict(InventoryEntry.objects.values_list("public_id", "ring")),
            {mum.public_id: 1, sam.public_id: 3},
        )


class TimelineFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)
        self.url = reverse("formulation:add_event", args=[self.course.public_id])
        self.sign_in(self.therapist)

    def post(self, day: str, month: str, year: str, **extra: Any) -> Any:
        data = {
            "event-when_0": day,
            "event-when_1": month,
            "event-when_2": year,
            "event-description": "Her father died.",
            "event-mood_change": "worse",
            **extra,
        }
        return self.client.post(self.url, data, follow=True)

    def test_a_month_and_year_is_enough(self) -> None:
        response = self.post("", "3", "2024")
        self.assertContains(response, "Life event added to the timeline.")
        self.assertContains(response, "March 2024")

    def test_a_date_without_a_year_is_refused_beside_the_field(self) -> None:
        response = self.post("4", "3", "")
        self.assertContains(response, "The date must include a year", status_code=400)
        self.assertContains(response, "Her father died.", status_code=400)
        self.assertFalse(LifeEvent.objects.exists())


class FocusFormTests(BaseTestCase):
    def focus_page(self, modality: str) -> tuple[Any, str]:
        course = course_of(self.therapist, modality)
        self.sign_in(self.therapist)
        return course, reverse("formulation:focus", args=[course.public_id])

    def test_a_dispute_without_its_stage_is_refused_beside_the_field(self) -> None:
        _, url = self.focus_page("ipt")
        response = self.client.post(
            url, {"focus-problem_area": "role_dispute", "focus-rationale": "Stalled arguments."}
        )
        self.assertContains(response, "Choose the stage of the dispute", status_code=400)
        self.assertContains(response, "Stalled arguments.", status_code=400)
        self.assertContains(response, "nhsuk-form-group--error", status_code=400)
        self.assertFalse(Focus.objects.exists())
        response = self.client.post(
            url,
            {
                "focus-problem_area": "role_dispute",
                "focus-dispute_stage": "impasse",
                "focus-rationale": "Stalled arguments.",
                "focus-formulation": "Your mood dropped as the arguments went quiet.",
                "focus-agreed_on_0": "21",
                "focus-agreed_on_1": "9",
                "focus-agreed_on_2": "2026",
            },
            follow=True,
        )
        self.assertContains(response, "Focus saved.")
        self.assertContains(response, "Impasse")
        self.assertContains(response, "21 September 2026")
        self.assertContains(response, "Agreed with the patient.")

    def test_a_group_course_offers_the_who_names(self) -> None:
        _, url = self.focus_page("group_ipt")
        response = self.client.get(url)
        self.assertContains(response, "Loneliness and social isolation")
        self.assertContains(response, "Life changes")
        self.assertNotContains(response, "Role transition")

    def test_a_dit_course_asks_for_the_ipaf_and_the_defensive_function_per_setting(self) -> None:
        _, url = self.focus_page("dit")
        response = self.client.get(url)
        self.assertContains(response, "Linking affect")
        self.assertContains(response, "Defensive function")
        self.assertNotContains(response, "Problem area")
        settings = ServiceSettings.load()
        settings.ipaf_defensive_function = False
        settings.save()
        self.assertNotContains(self.client.get(url), "Defensive function")

    def test_the_history_page_shows_every_version(self) -> None:
        course, _ = self.focus_page("ipt")
        for area in ("grief", "role_transition"):
            services.record_focus(
                actor=self.therapist, course=course, problem_area=area, rationale=f"Because {area}"
            )
        page = self.client.get(reverse("formulation:page", args=[course.public_id]))
        self.assertContains(page, "Changed 1 time")
        history = self.client.get(reverse("formulation:focus_history", args=[course.public_id]))
        self.assertContains(history, "Version 2 (current)")
        self.assertContains(history, "Because grief")
        self.assertContains(history, "Role transition")


class AgreeTheFocusInTheSessionRecordTests(BaseTestCase):
    def test_the_refusal_is_shown_beside_the_tasks(self) -> None:
        course = course_of(self.therapist)
        first = course.appointments.get(number=1)
        self.sign_in(self.therapist)
        response = self.client.post(
            reverse("encounters:save", args=[first.public_id]),
            {"record-tasks_done": ["inventory", "agree_focus"], "record-notes": "Agreed it."},
        )
        self.assertContains(response, "mark it agreed with the patient", status_code=409)
        self.assertContains(response, 'id="id_record-tasks_done-error"', status_code=409)
        self.assertContains(response, "Agreed it.", status_code=409)


class CircleLayoutTests(SimpleTestCase):
    def test_labels_do_not_run_into_each_other_with_up_to_four_people_a_ring(self) -> None:
        long = "x" * circle.LABEL_LIMIT
        for counts in itertools.product(range(5), repeat=3):
            people = [
                (long, ring) for ring, n in zip((1, 2, 3), counts, strict=True) for _ in range(n)
            ]
            dots = circle.layout(people)
            for a, b in itertools.combinations(dots, 2):
                self.assertFalse(circle.clash(a, b), (counts, a, b))
            for dot in dots:
                left, top, right, bottom = dot.box()
                self.assertTrue(left >= 0 and right <= circle.WIDTH, (counts, dot))
                self.assertTrue(top >= 0 and bottom <= circle.HEIGHT, (counts, dot))
