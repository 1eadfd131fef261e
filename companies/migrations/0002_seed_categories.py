"""Seed the goods-and-services taxonomy shared by companies and tenders.

The tree is kept here (not imported from application code) so the migration gives the same result
whatever the code looks like later. Re-running it updates names and order without duplicating rows.
"""

from django.db import migrations
from django.utils.text import slugify

TREE = [
    (
        "goods",
        "Goods",
        [
            (
                "it",
                "IT hardware and software",
                [
                    ("computers", "Computers and laptops"),
                    ("servers-storage", "Servers and storage"),
                    ("networking", "Networking equipment"),
                    ("peripherals", "Printers and peripherals"),
                    ("software-licenses", "Software licences and subscriptions"),
                ],
            ),
            (
                "office",
                "Office supplies and furniture",
                [
                    ("stationery", "Stationery"),
                    ("paper", "Paper and printing consumables"),
                    ("furniture", "Office furniture"),
                ],
            ),
            (
                "construction",
                "Construction materials",
                [
                    ("cement-aggregates", "Cement, concrete and aggregates"),
                    ("steel", "Steel and metal products"),
                    ("timber", "Timber and wood products"),
                    ("plumbing", "Plumbing and sanitary ware"),
                    ("electrical-materials", "Electrical materials and cables"),
                    ("finishes", "Paints, coatings and finishes"),
                ],
            ),
            (
                "industrial",
                "Industrial equipment and MRO",
                [
                    ("machinery", "Machinery and spare parts"),
                    ("tools", "Tools and hardware"),
                    ("ppe", "Personal protective equipment"),
                    ("lubricants", "Lubricants and industrial chemicals"),
                ],
            ),
            (
                "medical",
                "Medical and laboratory supplies",
                [
                    ("equipment", "Medical equipment"),
                    ("consumables", "Medical consumables"),
                    ("pharmaceuticals", "Pharmaceuticals"),
                    ("laboratory", "Laboratory equipment and reagents"),
                ],
            ),
            (
                "food",
                "Food and beverages",
                [
                    ("groceries", "Groceries"),
                    ("beverages", "Beverages"),
                    ("fresh-produce", "Fresh produce"),
                ],
            ),
            ("cleaning-hygiene", "Cleaning and hygiene products", []),
            (
                "vehicles",
                "Vehicles, parts and fuel",
                [
                    ("light-vehicles", "Cars and light vehicles"),
                    ("heavy-vehicles", "Trucks and heavy vehicles"),
                    ("parts-tyres", "Parts and tyres"),
                    ("fuel", "Fuel"),
                ],
            ),
            ("packaging", "Packaging materials", []),
            ("textiles-uniforms", "Textiles and uniforms", []),
            (
                "energy-equipment",
                "Energy equipment",
                [
                    ("solar", "Solar panels and inverters"),
                    ("generators", "Generators"),
                ],
            ),
        ],
    ),
    (
        "services",
        "Services",
        [
            (
                "it",
                "IT services",
                [
                    ("software-development", "Software development"),
                    ("cloud-hosting", "Cloud and hosting"),
                    ("support-maintenance", "IT support and maintenance"),
                    ("security", "Information security"),
                ],
            ),
            (
                "professional",
                "Professional services",
                [
                    ("consulting", "Management consulting"),
                    ("legal", "Legal services"),
                    ("accounting-audit", "Accounting and audit"),
                    ("engineering", "Engineering and design"),
                    ("translation", "Translation and interpreting"),
                ],
            ),
            (
                "facilities",
                "Facilities services",
                [
                    ("cleaning", "Cleaning"),
                    ("security-guarding", "Security guarding"),
                    ("building-maintenance", "Building maintenance"),
                    ("landscaping", "Landscaping"),
                    ("waste-management", "Waste management"),
                ],
            ),
            (
                "logistics",
                "Logistics and transport",
                [
                    ("freight", "Freight transport"),
                    ("courier", "Courier and express delivery"),
                    ("warehousing", "Warehousing"),
                ],
            ),
            (
                "construction-works",
                "Construction works",
                [
                    ("civil-works", "Civil works"),
                    ("installation", "Electrical and mechanical installation"),
                    ("renovation", "Renovation and fit-out"),
                ],
            ),
            (
                "marketing",
                "Marketing and communication",
                [
                    ("advertising", "Advertising"),
                    ("printing", "Printing"),
                    ("events", "Events"),
                ],
            ),
            (
                "hr",
                "Human resources",
                [
                    ("recruitment", "Recruitment"),
                    ("training", "Training"),
                    ("temporary-staffing", "Temporary staffing"),
                ],
            ),
            ("travel", "Travel and accommodation", []),
            ("catering", "Catering", []),
            ("telecom", "Telecommunications", []),
            ("health-safety", "Occupational health and safety", []),
        ],
    ),
]


def _walk(nodes, parent_code=None):
    for position, node in enumerate(nodes):
        segment, name = node[0], node[1]
        children = node[2] if len(node) > 2 else []
        code = f"{parent_code}.{segment}" if parent_code else segment
        yield code, name, parent_code, position
        yield from _walk(children, code)


def seed(apps, schema_editor):
    Category = apps.get_model("companies", "Category")
    by_code = {}
    for code, name, parent_code, position in _walk(TREE):
        category, _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "slug": slugify(code.replace(".", "-")),
                "parent": by_code.get(parent_code),
                "position": position,
                "is_active": True,
            },
        )
        by_code[code] = category


def unseed(apps, schema_editor):
    Category = apps.get_model("companies", "Category")
    codes = [code for code, *_ in _walk(TREE)]
    # Children first: parents are protected while they have children.
    for code in sorted(codes, key=lambda value: value.count("."), reverse=True):
        Category.objects.filter(code=code, companies__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
