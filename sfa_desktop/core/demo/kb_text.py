"""The demo knowledge base's words: what a fleet-telematics company's reps read before a call.

Product facts for every product of the demo catalogue (``demo_names.PRODUCT_FAMILIES``), and the
company-wide articles: objection handling, pricing rules, competitor notes and the sales playbook.  Pure
data; :mod:`sfa_desktop.core.demo.kb` turns it into articles.
"""

from __future__ import annotations

#: product name -> (one-line pitch, key features, who buys it, what goes well with it)
PRODUCTS: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "Fleet tracker GT-200": (
        "Our entry tracker: live position every 30 seconds, trips and idling, fitted in 20 minutes.",
        (
            "GPS + GLONASS, 3G/LTE-M fallback",
            "Trip log with start/stop and idling time",
            "Ignition and PTO inputs",
            "5-year battery backup for theft alerts",
        ),
        "Small fleets (5-50 vans) that want to know where their vehicles are and cut idling.",
        "FleetView subscription, Installation kit",
    ),
    "Fleet tracker GT-400 (4G)": (
        "The 4G tracker for larger fleets: 1-second positions, CAN-bus data and driver scoring.",
        (
            "4G LTE Cat-1 with 2G fallback",
            "Reads fuel level, odometer and fault codes from the CAN bus",
            "Harsh braking, acceleration and cornering events",
            "Over-the-air firmware updates",
        ),
        "Fleets of 50+ vehicles, trucks and buses, customers who want fuel and maintenance data.",
        "Driver ID reader, Maintenance scheduler licence, Premium support",
    ),
    "Driver ID reader": (
        "Knows who drives: drivers tap a key fob before the engine starts.",
        (
            "RFID and iButton keys",
            "Blocks the ignition without a valid key (optional relay)",
            "Feeds driver scoring and working-time reports",
        ),
        "Shared vehicles, pool cars and any fleet that scores drivers individually.",
        "GT-400 tracker, Compliance reporting module",
    ),
    "Dash camera DC-2": (
        "A dual-lens dash camera that uploads the 20 seconds around every harsh event.",
        (
            "Road and cab lenses, 1080p, night vision",
            "Event clips uploaded over the tracker's connection",
            "Privacy mode: cab lens off outside working hours",
            "Evidence pack for insurers in one click",
        ),
        "Fleets facing insurance claims or disputes; customers whose premiums went up.",
        "Collision warning sensor, GT-400 tracker",
    ),
    "Temperature probe kit": (
        "Two wireless probes that log cargo temperature for food and pharma transport.",
        (
            "Bluetooth probes, -40 to +85 °C",
            "Alerts when a load leaves its range for more than 5 minutes",
            "HACCP and GDP-ready temperature reports",
        ),
        "Food distributors, caterers, pharmacies and anyone shipping chilled goods.",
        "GT-400 tracker, Compliance reporting module",
    ),
    "Installation kit": (
        "Everything a fitter needs for one vehicle: harness, fuse taps, brackets and tamper seals.",
        ("Harnesses for 40+ vehicle makes", "Tamper-evident seals", "Fitting guide with photos"),
        "Customers fitting trackers themselves; always quote one per vehicle.",
        "GT-200 or GT-400 tracker",
    ),
    "FleetView subscription (per vehicle, year)": (
        "The web and mobile platform every tracker reports to: maps, trips, alerts and reports.",
        (
            "Live map with traffic",
            "Geofences and alerts by email or SMS",
            "30 standard reports, scheduled",
            "Unlimited users, single sign-on",
        ),
        "Every tracker customer: no tracker works without it. Sell it for 3 years to lock the renewal in.",
        "Route planner, Maintenance scheduler, API access",
    ),
    "Route planner licence": (
        "Plans the day's stops for each vehicle and sends the route to the driver's phone.",
        (
            "Optimises up to 200 stops per vehicle",
            "Time windows and vehicle capacities",
            "Re-plans when a job is added during the day",
        ),
        "Distribution, field service and any fleet with many stops per day.",
        "Mobile dispatch app, FleetView subscription",
    ),
    "Maintenance scheduler licence": (
        "Service intervals by mileage, engine hours or date, with reminders before they are due.",
        (
            "Reads real odometers from the GT-400",
            "Service history per vehicle",
            "Cost per vehicle and per mile",
        ),
        "Fleets that do their own maintenance or want to stop paying for missed services.",
        "GT-400 tracker, FleetView subscription",
    ),
    "Compliance reporting module": (
        "Driver hours, vehicle checks and temperature logs in the formats auditors ask for.",
        (
            "ELD-compliant hours of service",
            "Daily vehicle inspection reports from the app",
            "Audit exports in PDF and CSV",
        ),
        "Regulated fleets: trucking, food, pharma, hazardous goods.",
        "Driver ID reader, Temperature probe kit",
    ),
    "API access (year)": (
        "Positions, trips and events in the customer's own systems through a REST API and webhooks.",
        ("REST API with OAuth 2", "Webhooks for events", "Sandbox account for developers"),
        "Customers with their own ERP, TMS or dispatch software; integrators.",
        "FleetView subscription, Custom report development",
    ),
    "Mobile dispatch app (per user, year)": (
        "Jobs, navigation, proof of delivery and forms on the driver's phone.",
        (
            "Job list with navigation",
            "Photos and signatures as proof of delivery",
            "Custom forms",
            "Works offline; syncs when back in coverage",
        ),
        "Field service and delivery fleets that still print job sheets.",
        "Route planner licence, FleetView subscription",
    ),
    "Collision warning sensor": (
        "A forward camera that warns the driver before a collision and of lane departures.",
        (
            "Forward collision and headway warnings",
            "Lane departure warning",
            "Events reported to FleetView with the dash-cam clip",
        ),
        "Fleets with accident costs or a safety programme; insurers sometimes share the cost.",
        "Dash camera DC-2, Driver training session",
    ),
    "Reversing camera set": (
        "A weatherproof rear camera and a 7-inch monitor: fewer reversing accidents.",
        ("IP69K camera, 140° view", "Monitor switches on with reverse gear", "Up to 4 cameras per monitor"),
        "Trucks, vans without rear windows, buses and construction vehicles.",
        "Collision warning sensor",
    ),
    "Fatigue monitoring unit": (
        "An in-cab sensor that detects drowsiness and distraction and alerts the driver.",
        (
            "Eye and head tracking, works with sunglasses",
            "Audible and seat-vibration alerts",
            "Events to FleetView for coaching",
        ),
        "Long-haul, night shifts, mining and oil & gas fleets.",
        "Dash camera DC-2, Driver training session",
    ),
    "First aid vehicle kit": (
        "A first aid kit for vehicles that meets the usual workplace standards.",
        ("Wall or under-seat bracket", "Refill service available"),
        "Every fleet: a good add-on to a safety order.",
        "Hi-vis safety pack, Fire extinguisher",
    ),
    "Hi-vis safety pack": (
        "Two hi-vis vests, a warning triangle and a torch for each vehicle.",
        ("EN ISO 20471 class 2 vests", "Foldable triangle", "LED torch"),
        "Fleets with roadside work or breakdown procedures.",
        "First aid vehicle kit",
    ),
    "Fire extinguisher 2 kg": (
        "A 2 kg dry powder extinguisher with a vehicle bracket.",
        ("ABC powder", "Crash-tested bracket", "Annual service reminder in FleetView"),
        "Vans and trucks; required for hazardous goods.",
        "First aid vehicle kit, Maintenance scheduler",
    ),
    "On-site installation (per vehicle)": (
        "Our certified fitters install at the customer's depot, out of working hours if needed.",
        (
            "Nationwide network of fitters",
            "Install, test and hand-over report per vehicle",
            "Evening and weekend slots",
        ),
        "Any fleet above 10 vehicles that does not want to fit trackers itself.",
        "Project management, Installation kit",
    ),
    "Project management (day)": (
        "A project manager who plans the roll-out, the fitter visits and the training.",
        ("Roll-out plan and weekly status", "Single point of contact", "Go-live checklist"),
        "Roll-outs of 50+ vehicles or several depots.",
        "On-site installation, Data migration",
    ),
    "Driver training session": (
        "Half a day with up to 12 drivers: the app, the camera and safe-driving coaching.",
        ("On site or online", "Certificates for each driver", "Materials in English and Spanish"),
        "New customers at go-live, and safety programmes after incidents.",
        "Collision warning sensor, Fatigue monitoring unit",
    ),
    "Data migration": (
        "We move history, vehicles, drivers and geofences from the previous telematics provider.",
        ("Imports from the main competitors' exports", "Checked and signed off by the customer"),
        "Customers switching from another provider who want to keep their history.",
        "Project management, API access",
    ),
    "Custom report development (day)": (
        "A report built to the customer's specification, scheduled in FleetView.",
        ("Specification workshop included", "Delivered as a scheduled report or a dashboard"),
        "Customers with specific KPIs, billing or union reporting needs.",
        "API access, FleetView subscription",
    ),
    "Health check visit": (
        "A yearly visit that checks every device, cable and camera, and trains new staff.",
        ("Device and harness inspection", "Firmware updates", "Usage review with the fleet manager"),
        "Customers after their first year; renewals at risk.",
        "Standard or premium support",
    ),
    "Standard support (year)": (
        "Phone and email support on working days, next-business-day hardware replacement.",
        ("8:00-18:00 on working days", "Next-business-day replacement", "Online knowledge base"),
        "Every customer: included in the first year, sold as a renewal afterwards.",
        "Extended hardware warranty",
    ),
    "Premium support 24/7 (year)": (
        "Round-the-clock support with a named account engineer and 4-hour response.",
        ("24/7 phone line", "4-hour response, named engineer", "Quarterly service review"),
        "Fleets that run at night or around the clock: logistics, utilities, emergency services.",
        "Spare device pool, Remote diagnostics",
    ),
    "Extended hardware warranty (3 years)": (
        "Extends the hardware warranty from one to three years.",
        ("Covers trackers, cameras and sensors", "Free replacement and shipping"),
        "Customers buying hardware outright; sell it with the hardware, not later.",
        "Standard support",
    ),
    "Spare device pool": (
        "Spare trackers and cameras kept at the customer's depot for immediate swaps.",
        ("Pool of 5% of the fleet", "Swapped devices replaced within a week"),
        "Large fleets where a vehicle off the road costs more than a device.",
        "Premium support 24/7",
    ),
    "Replacement SIM": (
        "A replacement data SIM for a tracker or camera, activated remotely.",
        ("Multi-network roaming SIM", "Activated within one hour"),
        "Existing customers with damaged or lost SIMs.",
        "Remote diagnostics",
    ),
    "Remote diagnostics (year)": (
        "We watch every device's health and fix most problems before the customer notices.",
        ("Daily device health checks", "Alerts for unplugged or silent devices", "Monthly health report"),
        "Fleets above 50 vehicles; customers who complained about silent devices.",
        "Premium support 24/7, Health check visit",
    ),
}

FAMILY_TALK = {
    "Telematics": "Ask how they know today where their vehicles are, and what an hour of idling costs them.",
    "Software": "Ask who plans the day and how many hours it takes; that is the saving to quantify.",
    "Safety": "Ask about accidents and insurance premiums in the last two years.",
    "Services": "Ask who will fit, roll out and train; customers underestimate the effort.",
    "Support": "Ask what a vehicle off the road costs them per day.",
}

#: (slug, title, category, tags, body) of the company-wide articles.
ARTICLES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "objection-too-expensive",
        "Objection: “It is too expensive”",
        "Objection handling",
        "pricing, objections, value",
        """Price objections usually mean the value is not clear yet. Do not discount first.

## Talking points
- A tracker pays for itself when it saves **one hour of idling per vehicle per week**.
- Customers cut fuel costs by 8-12% in the first year (see the case studies).
- Compare the cost per vehicle per day (about $1.20) with one wasted trip.

## What to do
1. Ask what they compare the price with: another offer, their budget, or nothing.
2. Quantify their savings with them: idling, fuel, overtime, insurance.
3. Offer a smaller first phase rather than a discount (see *Discount authority*).

> "If it saves each driver twenty minutes a day, what is that worth to you?"
""",
    ),
    (
        "objection-already-have-a-supplier",
        "Objection: “We already have a supplier”",
        "Objection handling",
        "objections, competitors, switching",
        """Most prospects already track their vehicles. Find out what the current system does not do.

## Talking points
- We migrate their history and geofences (Data migration), so nothing is lost.
- Contracts often end with a notice period: ask for the date and put it in the calendar.
- Our CAN-bus data (fuel, fault codes) is what older systems lack.

## Questions
- What do you like about the current system? What is missing?
- When does the contract end, and what is the notice period?
- Who uses the reports today?
""",
    ),
    (
        "objection-no-budget",
        "Objection: “No budget this year”",
        "Objection handling",
        "objections, budget, timing",
        """No budget is often no priority. Test it.

## Talking points
- Subscription pricing comes out of the operating budget, not capital.
- A 20-vehicle pilot costs less than most monthly fuel bills.
- Budgets are set in the third quarter: get into next year's plan now.

## Next steps
- Ask when the budget cycle starts and who prepares it.
- Offer an ROI sheet they can take to the CFO.
""",
    ),
    (
        "objection-send-information",
        "Objection: “Just send me some information”",
        "Objection handling",
        "objections, follow-up",
        """Often a polite brush-off. Agree, then qualify.

## Talking points
- "Happy to. So I send the right thing: how many vehicles, and what matters most to you?"
- Send one case study from their industry, not the whole brochure.
- Book the follow-up call before you hang up.
""",
    ),
    (
        "objection-drivers-privacy",
        "Objection: “Our drivers will not accept tracking”",
        "Objection handling",
        "objections, drivers, privacy, unions",
        """Driver acceptance is a real issue, especially with unions. Show that we designed for it.

## Talking points
- **Privacy mode**: tracking and the cab camera switch off outside working hours.
- Drivers get their own score and can see their own data in the app.
- Driver scoring has been used to reward good drivers, not to punish them.

## Tips
- Offer a driver information session (Driver training session).
- Involve the works council or union representative early.
""",
    ),
    (
        "objection-built-our-own",
        "Objection: “We built our own system”",
        "Objection handling",
        "objections, integration, api",
        """Usually a dispatch or ERP system with some GPS data. Position us as the data source.

## Talking points
- Our API and webhooks feed their system; they keep their screens.
- They no longer maintain hardware, SIMs and firmware.
- Ask how many people maintain the home-grown system today.
""",
    ),
    (
        "objection-contract-lock-in",
        "Objection: “We do not want a long contract”",
        "Objection handling",
        "objections, contracts, pricing",
        """Customers fear being locked in with a provider that does not deliver.

## Talking points
- Offer the 90-day pilot with an exit clause.
- Three-year terms earn a better price; one-year terms are possible at list price.
- Hardware can be bought outright, so only the subscription renews.
""",
    ),
    (
        "objection-competitor-is-cheaper",
        "Objection: “Your competitor is cheaper”",
        "Objection handling",
        "objections, competitors, pricing",
        """Compare like with like before you talk about price.

## Talking points
- Check what is included: installation, support, data retention, number of users.
- Our hardware warranty is 3 years with the extended warranty; most offers have one year.
- Ask for the competitor's offer in writing and go through it line by line with them.

See the competitor notes for each competitor's usual offer.
""",
    ),
    (
        "pricing-discount-authority",
        "Pricing: discount authority",
        "Pricing rules",
        "pricing, discounts, approvals",
        """Who may approve which discount on the list price.

| Discount | Who approves |
|---|---|
| up to 10% | the rep |
| 10-20% | the regional manager |
| over 20% | the sales director, with a margin check |

## Talking points
- Never discount support or services without approval: their margin is thin.
- Trade a discount for something: a longer term, more vehicles, a reference.
- Discounts apply to the first term only; renewals are at list price unless agreed.
""",
    ),
    (
        "pricing-volume-and-term",
        "Pricing: volume and term pricing",
        "Pricing rules",
        "pricing, volume, subscriptions",
        """Subscription prices per vehicle per year go down with volume and term.

- 1-49 vehicles: list price
- 50-199 vehicles: 5% off the subscription
- 200+ vehicles: 10% off the subscription
- 3-year term: a further 5% off, invoiced yearly

## Talking points
- Volume tiers count all the customer's vehicles, across depots.
- A 3-year term protects the customer from price rises.
""",
    ),
    (
        "pricing-bundles",
        "Pricing: bundles",
        "Pricing rules",
        "pricing, bundles, cross-selling",
        """Bundles make the decision simpler and lift the average order.

## Talking points
- **Starter**: GT-200 + FleetView + installation kit, per vehicle.
- **Safety**: GT-400 + dash camera + collision warning, with a driver training session.
- **Compliance**: GT-400 + driver ID + compliance module + temperature probes.

Bundles are 7% below the sum of their parts. No further discount without the manager.
""",
    ),
    (
        "pricing-payment-terms",
        "Pricing: payment terms and credit",
        "Pricing rules",
        "pricing, payment, credit",
        """Standard terms are 30 days net. Longer terms need a credit check.

## Talking points
- Hardware is invoiced on delivery, subscriptions yearly in advance.
- Monthly invoicing of subscriptions is possible for a 3% surcharge.
- New customers over $50,000 need a credit check before the order (ask finance; two days).
""",
    ),
    (
        "pricing-renewals-and-increases",
        "Pricing: renewals and price increases",
        "Pricing rules",
        "pricing, renewals, retention",
        """Renewals are where we keep or lose customers. Start 120 days before the end of the term.

## Talking points
- List prices rise by up to 4% a year; customers on a 3-year term are protected.
- Offer a health check visit before the renewal talk.
- A renewal with more vehicles may keep the old price.
""",
    ),
    (
        "competitor-trackstar",
        "Competitor: TrackStar Fleet",
        "Competitor notes",
        "competitors, trackstar",
        """The market leader among small fleets; strong brand, aggressive pricing.

## Strengths
- Cheap entry price, often with free hardware on a 4-year contract.
- Simple app that small customers like.

## Weaknesses
- No CAN-bus data on the basic tracker: no fuel or fault codes.
- Support by email only on the basic plan.

## Talking points
- Ask about the contract length behind the "free" hardware.
- Show fuel and maintenance reports: they cannot.
""",
    ),
    (
        "competitor-roadwise",
        "Competitor: RoadWise Telematics",
        "Competitor notes",
        "competitors, roadwise",
        """A European player growing in the US through acquisitions.

## Talking points
- Their platform is three products since the acquisitions: ask to see trackers and cameras on one screen.
- Good compliance reporting: do not attack it, match it with our module.
- Their support is offshore and office hours only: our premium support is 24/7.
""",
    ),
    (
        "competitor-vigilant",
        "Competitor: Vigilant Safety Systems",
        "Competitor notes",
        "competitors, vigilant, safety",
        """Camera specialists; strong in safety programmes and with insurers.

## Talking points
- Their cameras are excellent, but tracking comes from a partner: two systems, two contracts.
- Our dash camera and collision sensor report into the same FleetView as the trackers.
- Ask whether the insurer requires a specific camera; often it does not.
""",
    ),
    (
        "competitor-openfleet",
        "Competitor: OpenFleet and self-built systems",
        "Competitor notes",
        "competitors, openfleet, integration",
        """Open-source tracking servers with cheap devices, run by the customer's IT.

## Talking points
- Cheap to start, expensive to run: who maintains devices, SIMs and servers?
- No support, no certified installation, no compliance reports.
- Our API lets their IT keep building on top of our data.
""",
    ),
    (
        "competitor-gps-resellers",
        "Competitor: local GPS resellers",
        "Competitor notes",
        "competitors, resellers",
        """Small local firms reselling white-label trackers.

## Talking points
- Local and friendly; but ask who develops the software and how often it is updated.
- Ask for their support hours and replacement times.
- Offer our installer network, which often includes local firms.
""",
    ),
    (
        "playbook-discovery-questions",
        "Playbook: discovery questions",
        "Sales playbook",
        "discovery, questions, qualification",
        """Ten questions for the first meeting. Listen more than you talk.

1. How many vehicles, of which types, at how many depots?
2. How do you know today where your vehicles are?
3. What does a wasted trip or an hour of idling cost you?
4. What happened in your last accident or insurance claim?
5. Who plans the routes, and how long does it take?
6. Which regulations do you report on?
7. What systems must the data go into?
8. Who decides, who signs, and who uses the reports?
9. When does the current contract end?
10. What would make this project a success in a year?

## Talking points
- Summarise their answers back to them before you propose anything.
- Agree the next step and its date before you leave.
""",
    ),
    (
        "playbook-site-visit",
        "Playbook: a good site visit",
        "Sales playbook",
        "visits, preparation, checklist",
        """Before you go: read the account's history and open opportunities on the call sheet.

## Checklist
- Demo unit charged (GT-400 and dash camera), tablet with FleetView demo account.
- Two case studies from their industry.
- Price list and the discount authority table.

## Talking points
- Walk the depot: count vehicles, look at the types, note where devices would go.
- Meet a driver if you can; their acceptance decides the roll-out.
- Write the outcome on the call sheet before you drive off.
""",
    ),
    (
        "playbook-product-demo",
        "Playbook: the product demo",
        "Sales playbook",
        "demo, presentation",
        """Show their problem solved, not every feature.

## Talking points
- Start with the live map of their own area (use the demo account's local vehicles).
- Show one report that answers a question they asked in discovery.
- End with the driver's app: acceptance matters.

Keep it under 30 minutes and leave time for questions.
""",
    ),
    (
        "playbook-quarterly-business-review",
        "Playbook: quarterly business review",
        "Sales playbook",
        "customers, retention, reviews",
        """A QBR keeps customers and finds the next order.

## Agenda
1. Their results: fuel, idling, accidents since last quarter.
2. Devices and usage: silent devices, users who stopped logging in.
3. Their plans: new depots, new vehicles, new regulations.
4. Our road map and one new product that fits.

## Talking points
- Bring the numbers; let them tell you what they mean.
- Ask for a reference or a case study when results are good.
""",
    ),
    (
        "playbook-pilot",
        "Playbook: running a 90-day pilot",
        "Sales playbook",
        "pilots, trials, closing",
        """Pilots close when success is defined before they start.

## Talking points
- Agree three measurable goals and the decision date in writing.
- 10-20 vehicles at one depot; installation by our fitters.
- Weekly check-in call; review meeting in week 10 with the decision maker.
""",
    ),
)
