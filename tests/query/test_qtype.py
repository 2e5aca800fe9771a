"""Expected answer types (qtype.py): which questions want a figure, a date, a name...; no model."""

import pytest

from bot.query.qtype import (
    ADDRESS, COUNT, DATE, DURATION, EMAIL, EXPANSION, EXPANSION_LIKELY, MONEY, NAME_LIKELY, NUMBER_LIKELY, PERSON, PHONE, PLACE, PLACE_LIKELY,
    POSTCODE, SHARE, SIZE, TIME, AnswerType, acronym_asked, counted_phrase, expected_type, has_date, has_duration, mentions_figure, read_asks,
    spells_out, stands_for,
)
from bot.query import qtype
from bot.text.terms import terms


# The checks read the question once (read_asks), as the engine does; these take its text for brevity.
def satisfies(wanted: AnswerType, text: str, question: str, focus: list[str], aliases=None) -> bool:
    return qtype.satisfies(wanted, text, read_asks(question, focus), focus, aliases)


def has_person_name(text: str, question: str) -> bool:
    return qtype.has_person_name(text, read_asks(question))


def has_new_name(text: str, question: str) -> bool:
    return qtype.has_new_name(text, read_asks(question))


@pytest.mark.parametrize("question, wanted", [
    ("How many officers does the Met have?", COUNT),
    ("Can you tell me how many officers the Met has?", COUNT),
    ("were they meant to boost how much people trust the police?", None),  # whether, not how much
    ("What is the Met's budget?", NUMBER_LIKELY),
    ("What does a PCSO earn?", MONEY), ("what are officers paid", MONEY),
    ("roughly what share of londoners are from minority backgrounds", SHARE),
    ("how much of the country's organised crime is in london", SHARE),
    # How much people do something: how many of them do, not an amount; money stays an amount.
    ("How much do Londoners actually trust the Met?", SHARE),
    ("how much does the met spend on policing?", COUNT),
    ("When was the Met founded?", DATE),
    ("And when was it founded?", DATE),
    ("how old is the met police", DATE),
    ("In what year did the IOPC replace the IPCC?", DATE),
    ("What are its opening hours?", TIME),
    ("What time does the Tower of London open?", TIME),
    ("what hours is that line open?", TIME),
    ("How long does the New Met for London plan run?", DURATION),
    ("Who is the current Deputy Commissioner?", PERSON),
    ("Who was the first Commissioner of the Metropolitan Police?", PERSON),
    ("Who chairs the LGBT+ Independent Advisory Group?", PERSON),
    ("What's the name of the Met's current Deputy Commissioner?", PERSON),
    ("Who was the first Commissioner then?", PERSON),  # a closing word of chat changes nothing
    # A role of two words ("chief constable", "director general") names a person as one word does.
    ("who's their chief constable?", PERSON),
    ("Who is the Director General of the Harbour Trust?", PERSON),
    ("What is the name of the reform plan?", NAME_LIKELY),
    ("What's the phone number for the IPCC?", PHONE),
    ("Can I complain to the police by phone?", PHONE),
    ("Can I just do it over the phone?", PHONE),
    # A whole question for someone's number asks for one to ring; "the number of" asks for a count.
    ("What's their number?", PHONE),
    ("what is the textphone number for members?", PHONE),
    ("What is the number of wardens?", None),
    # An email address is not a postal one.
    ("What's the email address for the Harbour Trust?", EMAIL),
    ("Is there an email address I can write to?", EMAIL),
    ("what's their email?", EMAIL),
    # A postcode is asked for as such: a street without one does not answer.
    ("what's the postcode for that?", POSTCODE),
    ("What is their full post code?", POSTCODE),
    ("which zip code is the office in?", POSTCODE),
    ("Where do I post a complaint about the police?", ADDRESS),
    # Who a letter goes to is where it goes: the recipient's name heads the address.
    ("who do I address the letter to?", ADDRESS),
    ("If I want to post a complaint about the Met, where do I send it?", ADDRESS),
    ("Who should I write to about my complaint?", ADDRESS),
    ("Where is New Scotland Yard?", PLACE),
    ("Where exactly is New Scotland Yard?", PLACE),
    ("whereabouts is the DPS?", PLACE),
    ("where exactly is the office?", PLACE_LIKELY),
    ("Where are directions to the visitor centre?", PLACE_LIKELY),
    # The opening question word decides; words later in the question don't.
    ("who actually picks up when I phone in a complaint", NAME_LIKELY),
    ("Who is the Met accountable to for its spending?", NAME_LIKELY),
    ("who used to set the police budget in london", NAME_LIKELY),
    ("Who founded the Metropolitan Police?", NAME_LIKELY),
    ("When should I go to the IPCC?", None),
    ("Which inquiry looked at the police and the media after phone hacking?", None),
    ("What is MOPAC?", EXPANSION_LIKELY),  # best said with "Mayor's Office for Policing and Crime (MOPAC)"
    ("Which part of the Met is responsible for counter terrorism?", NAME_LIKELY),
    ("which bit of the met goes after bent coppers", NAME_LIKELY),
    ("What department handles complaints?", NAME_LIKELY),
    ("What is the salary for the Deputy Director role?", MONEY),
    ("how big is it today?", SIZE),
    ("How big an area does the Met police?", COUNT),
    ("What does the Met pay its officers?", MONEY),
])
def test_expected_answer_types(question, wanted):
    assert expected_type(question) is wanted


def test_figures_must_count_what_was_asked():
    focus = terms("police officers")
    assert mentions_figure("There are over 34,000 police officers in London.", focus)
    assert not mentions_figure("Stephen Port: officers investigated | BBC News | 16 Nov 2023", focus)
    assert not mentions_figure("Founded in 1829, the police service is old.", focus)
    assert not mentions_figure("It covers 620 square miles.", focus)
    assert not mentions_figure("An earlier version was the Turnaround Plan 2023-25.", terms("pages plan"))


def test_figures_in_words_count():
    assert mentions_figure("We have four additional support functions.", terms("support functions"))
    assert mentions_figure("Each competency has three levels.", terms("levels"))


def test_counted_thing_may_come_a_few_words_after_the_number():
    assert mentions_figure("London receives 30 million domestic and international visitors annually.", terms("visitors"))
    assert not mentions_figure("Eleven years on from the Leveson Inquiry little has changed.", terms("murders"))
    # A share reaches further: "40% of the population are from Black ... backgrounds".
    share = "around 40% of the population are from Black, Asian and minority ethnic backgrounds"
    assert mentions_figure(share, terms("black asian backgrounds"))


def test_a_part_of_a_group_is_not_a_count_of_it():
    officers = terms("police officers")
    assert not mentions_figure("Five of the officers were subjects in the investigation.", officers)
    assert mentions_figure("the Met had over 32,800 of the 146,868 police officers", officers)
    assert mentions_figure("22% of all police officers", officers)
    assert not mentions_figure("three are still serving and two are former officers.", officers)


def test_a_percentage_is_no_count():
    people = terms("people population")
    assert mentions_figure("the Met polices more than 15% of the England and Wales population", people)
    assert not mentions_figure("the Met polices more than 15% of the England and Wales population", people, shares=False)
    assert satisfies(SHARE, "more than 15% of the population", "what share of people", people)
    assert not satisfies(COUNT, "more than 15% of the population", "how many people", people)


def test_dates_durations_places_and_phone_numbers():
    assert satisfies(DATE, "HMICFRS moved the Met to 'scan' monitoring status in January.", "When?", [])
    assert satisfies(DATE, "Met launches new Policing Plan for London | MPS 17 Jul 2023", "When?", [])
    assert satisfies(DATE, "The visitor centre opens at 9am every weekday.", "When does it open?", [])
    assert not satisfies(DATE, "Mark Rowley is the Commissioner.", "When did he start?", [])
    assert satisfies(DURATION, "The jury heard seven weeks of detailed evidence.", "How long?", [])
    assert satisfies(DURATION, "The MPS response is a two-year plan: New Met for London 2023-25", "How long?", [])
    assert not satisfies(DURATION, "You should first make the complaint to the MPS.", "How long do I have?", [])
    assert satisfies(ADDRESS, "4th Floor, Harbour House\nQuay Street\nPortbury PB1 2AA", "Where?", [])
    assert satisfies(PHONE, "Call 101 to make a complaint via telephone.", "What number?", [])
    assert satisfies(EMAIL, "Write to enquiries@harbour-trust.example.org with your name.", "Email?", [])
    assert not satisfies(EMAIL, "Harbour House\nQuay Street\nPortbury PB1 2AA", "Email?", [])
    assert satisfies(POSTCODE, "Harbour House\nQuay Street\nPortbury PB1 2AA", "Postcode?", [])
    assert satisfies(POSTCODE, "1 Dock Road, Exampleton, TX 75001-1234", "Zip code?", [])
    assert not satisfies(POSTCODE, "Harbour House\n12 Quay Street", "Postcode?", [])  # a street, no postcode
    assert not satisfies(POSTCODE, "Textphone: 19002 0300 123 4567", "Postcode?", [])  # five digits of a number
    assert not satisfies(PLACE, "The 'Scotland Yard' brand is known around the world.", "Where is New Scotland Yard?", [])


def test_person_names_are_not_institutions_or_the_question_s_own_words():
    assert has_person_name("Founded by Sir Robert Peel in 1829, the Met is old.", "Who founded the Met?")
    assert has_person_name("Commissioner Mark Rowley leads the Met.", "Who is in charge?")
    assert not has_person_name("accountable to the Mayor's Office for Policing and Crime", "Who is the Mayor of London?")
    assert not has_person_name("Her Majesties Commissioner of Police for the Metropolis", "Who was the Commissioner?")
    assert not has_person_name("Mark Rowley said so.", "When did Mark Rowley become Commissioner?")
    assert has_person_name("Baroness Casey of Blackstock was commissioned.", "Who led the review?")
    # Institution names built of ordinary capitalised words are no people.
    assert not has_person_name("the form of Borough Community and Police Engagement Groups (CPEGs)", "Who chairs it?")
    assert not has_person_name("The MPA Domestic and Sexual Violence Board has reviewed them.", "Who chairs it?")


def test_a_who_question_likes_a_name_it_does_not_give_itself():
    assert not NAME_LIKELY.required  # a bonus, never a rule: "who" may be answered by a description
    assert has_new_name("City of London Police\n\nThe police force of the square mile.", "Who polices the City of London?")
    assert has_new_name("You can complain to the IPCC.", "Who else can I complain to?")
    assert not has_new_name("The police force of the City of London.", "Who polices the City of London?")
    assert not has_new_name("They investigate complaints.", "Who investigates complaints?")
    assert not has_new_name("It leads UK-wide counter-terrorism.", "Which part leads counter terrorism?")  # "UK": no body


def test_figure_terms_show_how_specific_a_figure_is():
    from bot.query.qtype import figure_terms

    asked = terms("police community support officers")
    assert figure_terms("we have 1,440 Police Community Support Officers and 1,114 Specials", asked) == set(asked)
    assert figure_terms("the Met had over 32,800 of the 146,868 police officers", asked) == set(terms("police officers"))
    assert figure_terms("Founded in 1829.", asked) == set()


def test_what_a_number_question_counts():
    from bot.query.qtype import counted_phrase

    assert counted_phrase("How many Police Community Support Officers did the Met have?") == terms(
        "Police Community Support Officers")
    assert counted_phrase("What share of police officers in England and Wales work for the Met?") == terms("police officers")
    assert counted_phrase("how many tourists come to london every year") == terms("tourists")
    # Two things counted together: the first is what a figure must count, not a verb after the second.
    assert counted_phrase("how many tourists and visitors pour into london every year") == terms("tourists")
    assert counted_phrase("Who founded the Met?") == []


def test_money_needs_an_amount_of_what_was_asked():
    salary = terms("salary constable")
    assert satisfies(MONEY, "A constable's starting salary is £30,000 a year.", "What is the salary?", salary)
    assert not satisfies(MONEY, "With a budget of £4.8 billion it is the largest force.", "What is the salary?", salary)
    assert not satisfies(MONEY, "It serves 7.2 million people.", "What is the salary?", terms("salary people"))


def test_a_size_is_any_figure_but_a_date():
    assert satisfies(SIZE, "Today, the Met is made up of more than 46,500 officers and staff.", "how big is it?", [])
    assert not satisfies(SIZE, "Founded in 1829, the Met is old.", "how big is it?", [])


def test_a_byline_date_dates_only_what_its_headline_is_about():
    from bot.query.qtype import has_date

    headline = "Cressida Dick was right to go. But the Met’s problems do not begin and end at the top | 11 Feb 2022"
    assert not has_date(headline, terms("When did Cressida Dick become Commissioner of the Met?"))
    launch = "Met launches new Policing Plan for London | MPS 17 Jul 2023"
    assert has_date(launch, terms("When did the Met launch its new Policing Plan for London?"))
    assert has_date(headline, terms("when was that?"))  # a follow-up: nothing to check against
    # ...but with the thread's words: "[What is Met Direction?] When does it end?" is no headline's "end".
    assert not has_date(headline, terms("end") + terms("Met Direction"))
    assert has_date("The Met was founded in 1829.", terms("When was the IOPC set up?"))  # in the text: a date


def test_a_duration_must_be_of_what_is_asked():
    focus = terms("How long have I got to make a complaint about a police officer?")
    leveson = ("One of the problems highlighted by the Leveson Inquiry was the secretiveness of the Met. "
               "Eleven years on from the Leveson Inquiry, it would seem very little has changed.")
    assert not has_duration(leveson, focus)  # a length of time, but not of complaining
    assert has_duration("You have 12 months to make a complaint.", focus)
    assert has_duration("The plan runs for two years.", terms("How long?"))  # nothing else asked: any length


@pytest.mark.parametrize("question, acronym", [
    ("What does CVF stand for?", "CVF"),
    ("what's CT short for in the met's force statement", "CT"),
    ("What do the letters DPS mean?", "DPS"),
    ("What does accountability mean?", None),  # a word, not an acronym: a definition question
    ("what does it stand for", None),
    ("What does the Met stand for?", None),  # its values, not its letters
    ("what does cpeg stand for", None),  # lowercase: can't tell from a word; retrieval answers as usual
    ("HT - what's that short for?", "HT"),  # named first, then pointed back to
    ("VHW: what does it stand for", "VHW"),
    ("Is it short for something?", None),  # nothing named to spell out
])
def test_which_acronym_a_question_asks_to_spell_out(question, acronym):
    assert stands_for(question) == acronym
    assert (expected_type(question) is EXPANSION) == (acronym is not None)


@pytest.mark.parametrize("question, acronym", [
    ("What is CT?", "CT"), ("What are PCSOs?", "PCSO"), ("What is DDaT?", "DDaT"), ("and what's the DPS", "DPS"),
    ("What is the Met?", None), ("What is the CT budget?", None),
])
def test_what_is_an_acronym_is_best_answered_by_its_spelling_out(question, acronym):
    assert acronym_asked(question) == acronym
    assert (expected_type(question) is EXPANSION_LIKELY) == (acronym is not None)  # a bonus, not a must


def test_a_span_spells_out_an_acronym_by_its_initials_or_brackets():
    assert spells_out("Level 3 of the Competency and Values Framework is also relevant", "CVF")
    assert spells_out("Borough Community and Police Engagement Groups meet monthly", "cpeg")
    assert spells_out("including in counter-terrorism (CT) and specialist protection", "CT")
    assert not spells_out("There are six competencies in the CVF:", "CVF")  # uses it, doesn't spell it
    assert not spells_out("The Met leads on CT policing for the UK.", "CT")  # small words give no letters at the end


def test_a_month_is_a_whole_word():
    assert not has_date("accountable to the Mayor’s Office for Policing and Crime (MOPAC)", [])  # "May" in "Mayor"
    assert has_date("The plan was launched in May.", [])


def test_a_count_must_count_the_thing_named():
    question = "How many police stations in London still have a front counter open?"
    officers = "As of April 2025, the Met had over 32,800 of the 146,868 police officers in England and Wales."
    assert not satisfies(COUNT, officers, question, terms(question))  # a figure of police, not of stations
    assert satisfies(COUNT, "There are 32 police stations open to the public.", question, terms(question))
    assert counted_phrase("How many pages long is the plan?") == terms("pages")  # 'long' ends the phrase


def test_a_role_holder_is_named_by_a_passage_that_names_the_role():
    question = "Who is the current head of the IOPC?"
    victims = "Our re-investigation into how the murders of Anthony Walgate and Gabriel Kovari were handled."
    assert not satisfies(PERSON, victims, question, terms(question))  # names, but of no head
    assert satisfies(PERSON, "The IOPC's head, Rachel Watson, said...", question, terms(question))
    # The role's plain word counts ("boss" -> Commissioner), and a founder needs no such word.
    assert satisfies(PERSON, "Forward (Commissioner Mark Rowley), pg 2", "who's the boss", ["boss", "commission"])
    assert satisfies(PERSON, "Founded by Sir Robert Peel in 1829.", "Who was the founder of the Met?", [])


def test_the_people_working_somewhere_are_counted_by_its_workforce():
    workforce = "Today, the Met is made up of more than 46,500 officers and staff and volunteers."
    residents = "The territory served covers 620 square miles and is home to over 9 million people."
    for question in ("And how many people work for it today?", "how many non-uniform people work for the met?"):
        assert satisfies(COUNT, workforce, question, terms(question)), question
    # The people a force polices are its population, not its staff.
    question = "How many people does the Met police?"
    assert satisfies(COUNT, residents, question, terms(question))
    assert not satisfies(COUNT, workforce, question, terms(question))


def test_a_fraction_in_words_is_a_share():
    question = "What share of people in the capital think the Met is reliable?"
    text = "Just over half of Londoners perceive the Met as a reliable institution."
    assert satisfies(SHARE, text, question, terms(question))
    assert not satisfies(SHARE, "The Met is seen as a world leader in policing.", question, terms(question))


def test_a_time_is_a_time_of_day_or_a_day_not_a_year():
    assert satisfies(TIME, "The line is open 9am to 5pm, Monday to Friday.", "What hours is it open?", [])
    assert not satisfies(TIME, "Following the phone-hacking scandal of 2011, little has changed.", "What hours is it open?", [])


def test_questions_about_more_or_fewer_and_passages_saying_so():
    from bot.query.qtype import asks_about_change, says_change

    for question in ("Are there more bobbies on the beat?", "Did it push up officer numbers?",
                     "Has the Met got any leaner?", "Have complaints gone down?", "Did they boost trust?"):
        assert asks_about_change(question), question
    for question in ("Tell me more about MOPAC", "Are any officers in trouble?", "Who runs the Met?",
                     "Is it more than a mile wide?"):
        assert not asks_about_change(question), question
    assert says_change("Bolstering it with an additional 500 officers and staff.")
    assert says_change("There are now record numbers of officers.")
    assert not says_change("Neighbourhood officers work in teams across London.")


def test_what_is_counted_may_be_said_in_the_plain_words_of_an_informal_one():
    question, text = "how many different tongues are spoken in London?", "There are over 300 languages spoken in London."
    focus = terms("different tongues spoken London languages")
    assert not satisfies(COUNT, text, question, focus)
    assert satisfies(COUNT, text, question, focus, {"tongu": frozenset({"languag"})})


def test_which_and_what_questions_ask_for_the_noun_after_them():
    from bot.query.qtype import asked_noun

    assert asked_noun("Which charter was signed in 1901?") == "charter"
    assert asked_noun("What kind of arches does the viaduct have?") == "arches"
    assert asked_noun("and which level is the role") == "level"
    assert asked_noun("What is the capital?") == ""  # "what is" asks no noun
    assert asked_noun("Who signed it?") == ""


def test_a_wh_question_asking_by_a_negation_wants_a_passage_saying_one():
    from bot.query.qtype import asks_negated, says_negation

    for question in ["Who did the harbour scholars not work for?", "Which boroughs have no ferry stop?",
                     "and why can't the Trust repair the pier?", "What was never finished?"]:
        assert asks_negated(question), question
        assert read_asks(question).negated, question
    # Not the asking clause: a condition, the asker's own situation, a tag; "no longer" asks what
    # changed; and a yes/no question is answered either way.
    for question in ["What happens if a member doesn't vote?", "If I'm not happy, who can I go to?",
                     "I can't use a phone, how else can I report it?", "It's busy, isn't it - how many boats moor there?",
                     "Which board no longer meets?", "Does the Trust not own the pier?", "Who built the pier?"]:
        assert not asks_negated(question), question
    assert says_negation("The Trust did not repair the pier.") and says_negation("Boats without a licence are towed.")
    assert says_negation("The guild refused to hire river pilots.") and says_negation("It was unable to pay.")
    assert not says_negation("The Trust repaired the pier in 1901.")
