"""Word lists the demo draws from: names of varied origins, companies, places, products."""

FIRST_NAMES = (
    "Amara", "Björn", "Chloé", "Dmitri", "Elena", "Farah", "Giulia", "Hiroshi", "Ines",
    "Jamal", "Kaito", "Leila", "Mateo", "Nadia", "Oluwaseun", "Priya", "Quentin", "Rosa",
    "Søren", "Tomasz", "Uma", "Valentina", "Wei", "Ximena", "Yusuf", "Zoë", "Aisha",
    "Bruno", "Camille", "Deepak", "Emeka", "Fatima", "Gareth", "Hana", "Ivan", "José",
    "Katarzyna", "Liam", "Maya", "Niamh", "Omar", "Pieter", "Rahul", "Sofia", "Thandiwe",
    "Ugo", "Vera", "Wanjiru", "Yara", "Ayşe", "Lars", "Mei", "Noah", "Olga", "Rafael",
    "Siobhán", "Tariq", "Lucía", "Emma", "Kwame", "Anika", "Diego", "Freya", "Haruto",
)  # fmt: skip
LAST_NAMES = (
    "Okafor", "Nguyen", "García", "Müller", "Kowalski", "O'Brien", "Rossi", "Tanaka",
    "Haddad", "Johansson", "Patel", "Dubois", "Kim", "Silva", "Novak", "Fischer", "Ahmed",
    "Moreau", "Hansen", "Mensah", "Ivanova", "Lopez", "Chen", "Schmidt", "Yilmaz",
    "Van Dijk", "Murphy", "Costa", "Sato", "Kovač", "Andersen", "Mahlangu", "Romero",
    "Bianchi", "Singh", "Wójcik", "Ferreira", "Lindqvist", "Abdullah", "Kariuki", "Park",
    "Dimitrov", "Nakamura", "Bakker", "Owusu", "Herrera", "Larsen", "Petrov", "Clarke",
)  # fmt: skip
COMPANIES = (
    "Bluebird Logistics", "Copperleaf Studio", "Driftwood Cafés", "Evergreen Dental",
    "Foxglove Florists", "Granite Peak Outfitters", "Harbourline Travel", "Ironbark Tools",
    "Juniper Health", "Kestrel Analytics", "Lumen Architects", "Maple & Rye Bakery",
    "Northwind Events", "Orchid Hotels", "Pinecrest Schools", "Quayside Marine",
    "Riverstone Legal", "Saffron Kitchens", "Tidewater Fitness", "Umber Print Co",
)  # fmt: skip

# (Zendesk time_zone, IANA zone, locale, locale_id, location, latitude, longitude)
PLACES = (
    ("Pacific Time (US & Canada)", "America/Los_Angeles", "en-US", 1,
     "San Francisco, CA, United States", 37.7749, -122.4194),
    ("Eastern Time (US & Canada)", "America/New_York", "en-US", 1,
     "New York, NY, United States", 40.7128, -74.006),
    ("London", "Europe/London", "en-gb", 1176, "London, ENG, United Kingdom", 51.5072, -0.1276),
    ("Berlin", "Europe/Berlin", "de", 8, "Berlin, BE, Germany", 52.52, 13.405),
    ("Paris", "Europe/Paris", "fr", 16, "Paris, IDF, France", 48.8566, 2.3522),
    ("Amsterdam", "Europe/Amsterdam", "nl", 9, "Amsterdam, NH, Netherlands", 52.3676, 4.9041),
    ("Sydney", "Australia/Sydney", "en-US", 1, "Sydney, NSW, Australia", -33.8688, 151.2093),
)  # fmt: skip
MANILA = ("Manila", "Asia/Manila", "en-US", 1, "Manila, 00, Philippines", 14.5995, 120.9842)

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
PRODUCTS = (
    "wireless headphones", "espresso machine", "running shoes", "standing desk", "air fryer",
    "rain jacket", "smartwatch strap", "yoga mat", "desk lamp", "backpack", "blender",
    "kettle", "phone case", "winter boots", "robot vacuum", "office chair",
)  # fmt: skip
ADDRESSES = (
    "14 Elm Street, Bristol BS1 4DJ", "Hauptstraße 5, 10115 Berlin",
    "12 rue de la Paix, 75002 Paris", "Keizersgracht 120, 1015 CW Amsterdam",
    "500 Market St, San Francisco, CA 94105", "Flat 3, 27 Mill Lane, Leeds LS6 2AB",
    "88 Harbour Road, Sydney NSW 2000", "Calle Mayor 9, 28013 Madrid",
)  # fmt: skip
