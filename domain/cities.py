"""Large cities that are not regional centres, so that «Кривий Ріг» or «у Маріуполі» find
their oblast (the regional centres are in domain.regions with their regions).

A few of the largest or best-known cities of each oblast, with the case forms people type
(written as in domain.regions: `stem+pattern` expands to the stem with each ending of the
pattern), and Latin and Russian spellings where they are common. Names that belong to
cities of two oblasts are left out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name_uk: str
    name_en: str
    region_code: str
    aliases: str  # besides the two names

    def name(self, lang: str) -> str:
        return self.name_en if lang.split("-", maxsplit=1)[0].lower() == "en" else self.name_uk


def _city(name_uk: str, name_en: str, code: str, aliases: str = "") -> City:
    return City(name_uk, name_en, code, aliases)


CITIES: tuple[City, ...] = (
    _city("Жмеринка", "Zhmerynka", "UA-05", "жмеринк+a, жмеринці"),
    _city("Могилів-Подільський", "Mohyliv-Podilskyi", "UA-05", "могилівподільськ+adjm"),
    _city("Хмільник", "Khmilnyk", "UA-05", "хмільник+m"),
    _city("Козятин", "Koziatyn", "UA-05", "козятин+m, kozyatyn"),
    _city("Ковель", "Kovel", "UA-07", "ковел+soft"),
    _city("Нововолинськ", "Novovolynsk", "UA-07", "нововолинськ+m"),
    _city("Сєвєродонецьк", "Sievierodonetsk", "UA-09", "сєвєродонецьк+m, северодонецк+rum"),
    _city("Лисичанськ", "Lysychansk", "UA-09", "лисичанськ+m, лисичанск+rum"),
    _city("Алчевськ", "Alchevsk", "UA-09", "алчевськ+m, алчевск+rum"),
    _city("Старобільськ", "Starobilsk", "UA-09", "старобільськ+m"),
    _city(
        "Кривий Ріг",
        "Kryvyi Rih",
        "UA-12",
        "кривого рогу, кривому рогу, кривому розі, кривим рогом, кривой рог, кривом роге, "
        "кривого рога, kryvyi rih, kryvyy rih, krivoy rog, kryvyirih",
    ),
    _city("Кам'янське", "Kamianske", "UA-12", "кам'янського, кам'янському, кам'янським"),
    _city("Нікополь", "Nikopol", "UA-12", "нікопол+soft, никополь"),
    _city("Павлоград", "Pavlohrad", "UA-12", "павлоград+m, pavlograd"),
    _city("Марганець", "Marhanets", "UA-12", "марганця, марганці, марганцем"),
    _city("Маріуполь", "Mariupol", "UA-14", "маріупол+soft, мариуполь, мариуполе, мариуполя"),
    _city("Краматорськ", "Kramatorsk", "UA-14", "краматорськ+m, краматорск+rum"),
    _city("Слов'янськ", "Sloviansk", "UA-14", "слов'янськ+m, славянск+rum, slovyansk"),
    _city("Бахмут", "Bakhmut", "UA-14", "бахмут+m"),
    _city("Покровськ", "Pokrovsk", "UA-14", "покровськ+m"),
    _city("Горлівка", "Horlivka", "UA-14", "горлівк+a, горлівці, горловка, gorlovka"),
    _city("Макіївка", "Makiivka", "UA-14", "макіївк+a, макіївці, макеевка, makeevka"),
    _city("Костянтинівка", "Kostiantynivka", "UA-14", "костянтинівк+a, костянтинівці"),
    _city("Бердичів", "Berdychiv", "UA-18", "бердичев+obl, бердичев, berdichev"),
    _city("Коростень", "Korosten", "UA-18", "коростеня, коростені, коростенем"),
    _city("Звягель", "Zviahel", "UA-18", "звягел+soft, новоградволинськ+m"),
    _city("Мукачево", "Mukachevo", "UA-21", "мукачева, мукачеві, мукачевом, мукачеве, mukachiv"),
    _city("Хуст", "Khust", "UA-21", "хуст+m"),
    _city("Берегове", "Berehove", "UA-21", "берегового, береговому, береговім"),
    _city("Мелітополь", "Melitopol", "UA-23", "мелітопол+soft, мелитополь"),
    _city("Бердянськ", "Berdiansk", "UA-23", "бердянськ+m, бердянск+rum, berdyansk"),
    _city("Енергодар", "Enerhodar", "UA-23", "енергодар+m, энергодар, energodar"),
    _city("Калуш", "Kalush", "UA-26", "калуш+m"),
    _city("Коломия", "Kolomyia", "UA-26", "коломиї, коломию, коломиєю, коломыя, kolomyya"),
    _city("Яремче", "Yaremche", "UA-26"),
    _city(
        "Біла Церква",
        "Bila Tserkva",
        "UA-32",
        "білої церкви, білій церкві, білу церкву, білою церквою, белая церковь, bila tserkov",
    ),
    _city("Бровари", "Brovary", "UA-32", "броварів, броварам, броварах, броварами, бровары"),
    _city(
        "Бориспіль",
        "Boryspil",
        "UA-32",
        "борисполя, бориспілі, борисполі, борисполем, борисполь, borispol",
    ),
    _city("Ірпінь", "Irpin", "UA-32", "ірпеня, ірпені, ірпенем, ирпень"),
    _city("Буча", "Bucha", "UA-32", "буч+a, бучі"),
    _city("Фастів", "Fastiv", "UA-32", "фастов+obl"),
    _city(
        "Олександрія",
        "Oleksandriia",
        "UA-35",
        "олександрії, олександрію, олександрією, александрия, oleksandriya",
    ),
    _city("Світловодськ", "Svitlovodsk", "UA-35", "світловодськ+m"),
    _city("Керч", "Kerch", "UA-43", "керчі, керчю, керчу, керчь"),
    _city("Євпаторія", "Yevpatoriia", "UA-43", "євпаторії, євпаторію, евпатория, yevpatoria"),
    _city("Ялта", "Yalta", "UA-43", "ялт+a, ялті"),
    _city("Феодосія", "Feodosiia", "UA-43", "феодосії, феодосію, феодосия, feodosia"),
    _city("Дрогобич", "Drohobych", "UA-46", "дрогобич+m, дрогобичі, drogobych"),
    _city("Шептицький", "Sheptytskyi", "UA-46", "шептицького, шептицькому, червоноград+m"),
    _city("Стрий", "Stryi", "UA-46", "стрия, стрию, стриєм, стриї"),
    _city("Трускавець", "Truskavets", "UA-46", "трускавця, трускавці, трускавцем"),
    _city("Самбір", "Sambir", "UA-46", "самбор+obl"),
    _city("Вознесенськ", "Voznesensk", "UA-48", "вознесенськ+m"),
    _city("Южноукраїнськ", "Yuzhnoukrainsk", "UA-48", "южноукраїнськ+m"),
    _city("Первомайськ", "Pervomaisk", "UA-48", "первомайськ+m"),
    _city("Очаків", "Ochakiv", "UA-48", "очакова, очакові, очаковом"),
    _city("Ізмаїл", "Izmail", "UA-51", "ізмаїл+m, измаил"),
    _city("Чорноморськ", "Chornomorsk", "UA-51", "чорноморськ+m, ильичевск, illichivsk"),
    _city(
        "Білгород-Дністровський",
        "Bilhorod-Dnistrovskyi",
        "UA-51",
        "білгороддністровськ+adjm, bilhoroddnistrovskyi",
    ),
    _city("Подільськ", "Podilsk", "UA-51", "подільськ+m"),
    _city("Кременчук", "Kremenchuk", "UA-53", "кременчук+m, кременчуці, кременчуг, kremenchug"),
    _city("Горішні Плавні", "Horishni Plavni", "UA-53", "горішніх плавнях, горішніх плавнів"),
    _city("Лубни", "Lubny", "UA-53", "лубен, лубнах, лубнам"),
    _city("Миргород", "Myrhorod", "UA-53", "миргород+m, mirgorod"),
    _city("Вараш", "Varash", "UA-56", "вараш+m, кузнецовськ"),
    _city("Дубно", "Dubno", "UA-56", "дубна, дубні, дубном"),
    _city("Сарни", "Sarny", "UA-56", "сарн, сарнах"),
    _city("Конотоп", "Konotop", "UA-59", "конотоп+m"),
    _city("Шостка", "Shostka", "UA-59", "шостк+a, шостці"),
    _city("Охтирка", "Okhtyrka", "UA-59", "охтирк+a, охтирці, ахтырка"),
    _city("Ромни", "Romny", "UA-59", "ромен, ромнах, ромнам"),
    _city("Чортків", "Chortkiv", "UA-61", "чорткова, чорткові, чортковом"),
    _city("Кременець", "Kremenets", "UA-61", "кременця, кременці, кременцем"),
    _city("Лозова", "Lozova", "UA-63", "лозової, лозовій, лозову, лозовою, лозовая"),
    _city("Ізюм", "Izium", "UA-63", "ізюм+m, изюм, izyum"),
    _city("Чугуїв", "Chuhuiv", "UA-63", "чугуєва, чугуєві, чугуєвом, чугуев, chuguev"),
    _city("Куп'янськ", "Kupiansk", "UA-63", "куп'янськ+m, купянск, kupyansk"),
    _city(
        "Нова Каховка",
        "Nova Kakhovka",
        "UA-65",
        "нової каховки, новій каховці, нову каховку, новою каховкою, новая каховка",
    ),
    _city("Генічеськ", "Henichesk", "UA-65", "генічеськ+m, геническ"),
    _city("Скадовськ", "Skadovsk", "UA-65", "скадовськ+m"),
    _city(
        "Кам'янець-Подільський",
        "Kamianets-Podilskyi",
        "UA-68",
        "кам'янецьподільськ+adjm, кам'янець, кам'янця, кам'янці, каменецподольский",
    ),
    _city("Шепетівка", "Shepetivka", "UA-68", "шепетівк+a, шепетівці"),
    _city("Нетішин", "Netishyn", "UA-68", "нетішин+m"),
    _city(
        "Старокостянтинів", "Starokostiantyniv", "UA-68", "старокостянтинова, старокостянтинові"
    ),
    _city("Умань", "Uman", "UA-71", "умані, уманню, умань"),
    _city("Сміла", "Smila", "UA-71", "сміли, смілі, смілу, смілою, смела"),
    _city("Золотоноша", "Zolotonosha", "UA-71", "золотонош+a, золотоноші"),
    _city("Канів", "Kaniv", "UA-71", "канева, каневі, каневом, канев"),
    _city("Ніжин", "Nizhyn", "UA-74", "ніжин+m, нежин, nizhin"),
    _city("Прилуки", "Pryluky", "UA-74", "прилук, прилукам, прилуках, прилуками, прилуки"),
    _city("Новгород-Сіверський", "Novhorod-Siverskyi", "UA-74", "новгородсіверськ+adjm"),
    _city("Бахмач", "Bakhmach", "UA-74", "бахмач+m, бахмачі"),
    _city("Хотин", "Khotyn", "UA-77", "хотин+m"),
    _city("Новодністровськ", "Novodnistrovsk", "UA-77", "новодністровськ+m"),
    _city("Сторожинець", "Storozhynets", "UA-77", "сторожинця, сторожинці, сторожинцем"),
)
