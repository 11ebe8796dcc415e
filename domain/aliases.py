"""The names people give the regions, for the matcher in domain.regions: oblast adjectives and
«-щина» names in their case forms, the regional centres in theirs, Russian and Latin spellings,
historical names, and names that belong to several regions at once. ("UA" is all Ukraine.)
"""

from __future__ import annotations

import re

# Written compactly: comma/newline separated entries, each either a
# literal name or ``stem+pattern``, which expands to stem + every ending of the pattern.
_PATTERNS: dict[str, tuple[str, ...]] = {
    # Ukrainian adjectives: «Чернігівська (область)» in all cases, then the other genders
    "adjf": ("а", "ої", "ій", "у", "ою"),
    "adj": ("а", "ої", "ій", "у", "ою", "ий", "ого", "ому", "им", "ім", "е", "і", "их", "ими"),
    "adjm": ("ий", "ого", "ому", "им", "ім", "е", "і", "их", "ими"),
    # Russian adjectives
    "ruadjf": ("ая", "ой", "ую", "ою"),
    "ruadj": ("ая", "ой", "ую", "ою", "ий", "ого", "ому", "ом", "им", "ое", "ые", "их"),
    "ruadjm": ("ий", "ого", "ому", "ом", "им", "ое", "ые", "их"),
    # Nouns: Одеса, Полтава, Буковина, Чернігівщина
    "a": ("а", "и", "і", "у", "ою", "о"),
    # Вінниця
    "ya": ("я", "і", "ю", "ею"),
    # Луцьк, Житомир, Ужгород, Херсон
    "m": ("", "а", "у", "і", "ом", "ові"),
    # oblique stem of Харків/Харкова, Київ/Києва, Львів/Львова (nominative listed apart)
    "obl": ("а", "у", "і", "ом", "ові"),
    # Тернопіль/Тернополя, Севастополь, Сімферополь (nominative listed apart)
    "soft": ("я", "ю", "і", "ем", "еві"),
    # Запоріжжя, Закарпаття, Прикарпаття, Поділля
    "n": ("я", "і", "ю", "ям"),
    # Russian masculine nouns: Харьков, Донецк
    "rum": ("", "а", "у", "е", "ом"),
}

ALIASES: dict[str, str] = {
    "UA": """
        вся україна, всієї україни, всій україні, всю україну, вся країна,
        україна, україни, україні, україну, україною,
        всеукраїнські, загальнонаціональні, національні,
        вся украина, всей украины, украина, украины, украине, украину,
        ukraine, all ukraine, whole ukraine, all of ukraine, ukraina, ukrajina,
        national, nationwide, all
    """,
    "UA-05": """
        вінницьк+adj, вінниччин+a, вінничин+a, вінниц+ya,
        винницк+ruadj, винница, виннице, винницы, винничина,
        vinnytsia, vinnytsya, vinnitsa, vinnitsia, vinnica, winnica, vinnytska, vinnychchyna
    """,
    "UA-07": """
        волинськ+adj, волинь, волині, волинню, волинщина, луцьк+m,
        волынск+ruadj, волынь, волыни, луцк+rum,
        volyn, volhynia, volynia, wolyn, volynska, volynshchyna, lutsk
    """,
    "UA-09": """
        луганськ+adj, луганщин+a, луганськ+m,
        луганск+ruadj, луганск+rum, луганщина,
        luhansk, lugansk, luhanska, luganska, luhanshchyna
    """,
    "UA-12": """
        дніпропетровськ+adj, дніпровськ+adj, січеславськ+adj,
        дніпропетровщин+a, дніпровщин+a, січеславщин+a,
        дніпро, дніпра, дніпру, дніпрі, дніпром, дніпрові,
        днепропетровск+ruadj, днепропетровск+rum, днепр+rum, днепропетровщина,
        dnipro, dnipropetrovsk, dnepropetrovsk, dnepr, dnipropetrovska,
        dnipropetrovshchyna, dniprovshchyna
    """,
    "UA-14": """
        донецьк+adj, донеччин+a, донецьк+m,
        донецк+ruadj, донецк+rum, донетчина,
        donetsk, donetska, donechchyna, doneck
    """,
    "UA-18": """
        житомирськ+adj, житомирщин+a, житомир+m,
        житомирск+ruadj, житомире,
        zhytomyr, zhitomir, zytomierz, zhytomyrska, zhytomyrshchyna
    """,
    "UA-21": """
        закарпатськ+adj, закарпатт+n, ужгород+m,
        закарпатск+ruadj, закарпатье, закарпатья, ужгороде,
        zakarpattia, zakarpattya, zakarpatia, zakarpatska, transcarpathia,
        uzhhorod, uzhgorod, ungvar
    """,
    "UA-23": """
        запорізьк+adj, запоріжж+n, запоріжчин+a,
        запорожск+ruadj, запорожье, запорожья, запорожью,
        zaporizhzhia, zaporizhia, zaporizhzhya, zaporizhzhe, zaporozhye,
        zaporozhe, zaporozhie, zaporizka, zaporizhska
    """,
    "UA-26": """
        іванофранківськ+adj, франківськ+adj, іванофранківщин+a, франківщин+a,
        прикарпатт+n, іванофранківськ+m, франківськ+m,
        иванофранковск+ruadj, иванофранковск+rum, прикарпатье,
        ivano-frankivsk, ivano-frankovsk, frankivsk, ivano-frankivska,
        prykarpattia, prykarpattya, precarpathia, stanislaviv
    """,
    "UA-30": """
        київ, києв+obl, столиця, столиці, столицю,
        киев+rum, киiв,
        kyiv, kiev, kyjiv, kyyiv, kiew, kijow, kijev, kiyv
    """,
    "UA-32": """
        київськ+adjf, київщин+a,
        киевск+ruadjf, киевщина, киевщины, киевщине,
        kyivshchyna, kyivska, kievshchina
    """,
    "UA-35": """
        кіровоградськ+adj, кропивницьк+adj, кіровоградщин+a, кропивниччин+a, кіровоград+m,
        кировоградск+ruadj, кропивницк+ruadj, кировоград+rum,
        kropyvnytskyi, kropyvnytskyy, kropyvnytskyj, kropyvnytsky, kropivnitsky,
        kropivnitskiy, kropivnitskii, kirovohrad, kirovograd, kirovohradska,
        kirovohradshchyna, elisavetgrad, yelysavethrad
    """,
    "UA-40": """
        севастополь, севастопол+soft, севастопольськ+adj,
        севастопольск+ruadj, севастополе,
        sevastopol, sebastopol, sewastopol
    """,
    "UA-43": """
        крим, криму, кримом, кримі, кримськ+adj,
        ар крим, арк, автономна республіка крим, автономної республіки крим,
        автономній республіці крим, автономну республіку крим,
        сімферополь, сімферопол+soft,
        крым, крыму, крымом, республика крым, крымск+ruadj,
        симферополь, симферополе, симферополя,
        crimea, krym, krim, qirim, crimean peninsula, autonomous republic of crimea,
        republic of crimea, simferopol
    """,
    "UA-46": """
        львівськ+adj, львівщин+a, львів, львов+obl,
        львовск+ruadj, львов+rum, львовщина,
        lviv, lvov, lwow, lwiw, lemberg, leopolis, lvivska, lvivshchyna
    """,
    "UA-48": """
        миколаївськ+adj, миколаївщин+a, миколаїв, миколаєв+obl,
        николаевск+ruadj, николаев+rum, николаевщина,
        mykolaiv, mykolayiv, mykolaev, nikolaev, nikolayev, mykolaivska, mykolaivshchyna
    """,
    "UA-51": """
        одеськ+adj, одещин+a, одес+a,
        одесск+ruadj, одесса, одессы, одессе, одессу, одессой, одесщина,
        odesa, odessa, odeska, odeshchyna
    """,
    "UA-53": """
        полтавськ+adj, полтавщин+a, полтав+a,
        полтавск+ruadj, полтаве, полтавой,
        poltava, poltavska, poltavshchyna
    """,
    "UA-56": """
        рівненськ+adj, рівненщин+a, рівне, рівного, рівному, рівним, рівнім,
        ровенск+ruadj, ровненск+ruadj, ровно, ровне, ривне,
        rivne, rovno, rowne, rivnenska, rivnenshchyna
    """,
    "UA-59": """
        сумськ+adj, сумщин+a, суми, сум, сумам, сумах, сумами,
        сумск+ruadj, сумы,
        sumy, sumska, sumshchyna
    """,
    "UA-61": """
        тернопільськ+adj, тернопільщин+a, тернопіль, тернопол+soft,
        тернопольск+ruadj, тернополь, тернополе,
        ternopil, ternopol, tarnopol, ternopilska, ternopilshchyna
    """,
    "UA-63": """
        харківськ+adj, харківщин+a, слобожанщин+a, харків, харков+obl,
        харьковск+ruadj, харьков+rum, харьковщина, слобожанщины,
        kharkiv, kharkov, charkiw, kharkivska, kharkivshchyna, slobozhanshchyna
    """,
    "UA-65": """
        херсонськ+adj, херсонщин+a, херсон+m,
        херсонск+ruadj, херсоне,
        kherson, cherson, khersonska, khersonshchyna
    """,
    "UA-68": """
        хмельницьк+adj, хмельниччин+a, хмельничин+a,
        хмельницк+ruadj, хмельнитчина,
        khmelnytskyi, khmelnytskyy, khmelnytskyj, khmelnytsky, khmelnitsky,
        khmelnitskiy, khmelnitskii, khmelnytska, khmelnychchyna, proskuriv
    """,
    "UA-71": """
        черкаськ+adj, черкащин+a, черкаси, черкас, черкасам, черкасах, черкасами,
        черкасск+ruadj, черкассы, черкасс, черкассах, черкасщина,
        cherkasy, cherkassy, cherkaska, cherkashchyna
    """,
    "UA-74": """
        чернігівськ+adj, чернігівщин+a, чернігів, чернігов+obl,
        черниговск+ruadj, чернигов+rum, черниговщина,
        chernihiv, chernigov, chernihov, chernigiv, czernihow, tschernihiw,
        chernihivska, chernihivshchyna
    """,
    "UA-77": """
        чернівецьк+adj, чернівеччин+a, буковин+a,
        чернівці, чернівців, чернівцям, чернівцях, чернівцями,
        черновицк+ruadj, черновцы, черновцах, черновцов, буковина,
        chernivtsi, chernivtsy, chernivci, chernovtsy, chernovtsi, czernowitz,
        czerniowce, cernauti, chernivetska, bukovyna, bukovina, bukowina
    """,
}

# Names that honestly belong to several regions: they yield suggestions, never a match.
AMBIGUOUS_ALIASES: tuple[tuple[tuple[str, ...], str], ...] = (
    # masculine/plural "київський" is as often about the city as about the oblast
    (("UA-30", "UA-32"), "київськ+adjm, киевск+ruadjm, kyivskyi, kievskiy"),
    # a demonym of Chernihiv one letter-pair away from Chernivtsi
    (("UA-74", "UA-77"), "чернігівці, черниговцы"),
    (("UA-05", "UA-68"), "поділл+n, podillia, podolia"),
    (("UA-46", "UA-26", "UA-61"), "галичин+a, halychyna, galicia"),
    (("UA-14", "UA-09"), "донбас, донбасу, донбасі, донбасс, donbas, donbass"),
    (("UA-74", "UA-59"), "сіверщин+a, sivershchyna"),
    (("UA-65", "UA-23", "UA-43"), "таврія, таврії, таврію, тавриею, tavria"),
)


def expand(spec: str) -> list[str]:
    """``"київ, києв+obl"`` -> ``["київ", "києва", "києву", ...]``."""
    out: list[str] = []
    for raw in re.split(r"[,\n]", spec):
        item = raw.strip()
        if not item:
            continue
        stem, plus, pattern = item.partition("+")
        if plus:
            out.extend(stem + ending for ending in _PATTERNS[pattern])
        else:
            out.append(item)
    return out
