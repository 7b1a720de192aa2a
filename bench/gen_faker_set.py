#!/usr/bin/python3
"""A labelled PII set made the way public ones are: values from Faker (en_US), the library
presidio-research and most synthetic PII corpora generate with, placed in short sentences,
some with a context word and some without. `llmops scan eval` reads it
(tests/data/safety/pii_faker.jsonl; docs/safety.md#measured-quality).

Needs Debian's python3-fake-factory (Faker 0.9.3 on Debian 12). Usage:
    /usr/bin/python3 bench/gen_faker_set.py [SEED] [COUNT] > tests/data/safety/pii_faker.jsonl
"""
import json
import random
import sys

from faker import Faker

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1400
fake = Faker("en_US")
fake.seed(seed)
random.seed(seed)

# Entity type -> (value generator, sentence templates). The last template of each has no
# context word.
TYPES = {
    "PHONE_NUMBER": (fake.phone_number, [
        "Call me at {} tomorrow.", "My phone number is {}.", "You can reach her on {}.",
        "Dial {} for support.", "The number on the form was {} last week.",
        "{} is the one she gave us."]),
    "US_SSN": (fake.ssn, [
        "My SSN is {}.", "Social security number: {}", "{} was printed on the form."]),
    "CREDIT_CARD": (fake.credit_card_number, [
        "Charge it to my card {} please.", "Payment card number: {}", "Use {} for the order."]),
    "IBAN_CODE": (fake.iban, [
        "Transfer the money to IBAN {} by Friday.", "Our bank account is {}.",
        "It was {} all along."]),
    "IP_ADDRESS": (lambda: random.choice([fake.ipv4, fake.ipv6])(), [
        "Requests came from IP {} overnight.", "The server at {} is down.", "Ping {} again."]),
    "DOMAIN_NAME": (fake.domain_name, [
        "Visit the website {} for more.", "The site {} was slow.", "I bought it on {}."]),
    "EMAIL_ADDRESS": (fake.email, [
        "Write to {} today.", "My email is {}.", "Ask {} about it."]),
}

for _ in range(count):
    entity = random.choice(sorted(TYPES))
    make, templates = TYPES[entity]
    value = make()
    template = random.choice(templates)
    start = template.index("{}")
    print(json.dumps({"text": template.format(value),
                      "entities": [{"start": start, "end": start + len(value), "type": entity}]},
                     sort_keys=True))
