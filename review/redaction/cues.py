"""Word lists for the entity rules: the words around a name that say what it is, in the languages interviews are
held in. Written as people spell them; entity_rules folds them (case and accents) before matching.

Only general words of the languages are here (kinship, roles, titles, prepositions): never a name from a test.
"""

from __future__ import annotations

# Words after which the next name is a person: "my name is …", "me llamo …", "मेरा नाम … है".
PERSON_INTRODUCTIONS = (
    "my name is",
    "my name's",
    "name is",
    "i am called",
    "i'm called",
    "call me",
    "called",
    "named",
    "me llamo",
    "mi nombre es",
    "se llama",
    "se llamaba",
    "llamado",
    "llamada",
    "je m'appelle",
    "mein name ist",
    "ich heiße",
    "meu nome é",
    "मेरा नाम",
    "मेरी बहन",
    "मेरा भाई",
    "मेरे भाई",
    "मेरी माँ",
    "मेरी मां",
    "मेरे पिता",
    "मेरी दोस्त",
    "मेरा दोस्त",
    "मेरे दोस्त",
    "मेरी थेरेपिस्ट",
    "मेरे थेरेपिस्ट",
    "मेरा थेरेपिस्ट",
    "मेरे पति",
    "मेरी पत्नी",
    "मेरी बेटी",
    "मेरा बेटा",
    "इस्म",
    "اسمي",
    "jina langu ni",
    "naitwa",
    "ninaitwa",
    "ako si",
    "pangalan ko ay",
    "orúkọ mi ni",
    "je m'appelle",
    "je suis",
    "eu sou",
    "me chamo",
    "o meu nome é",
)
# "I'm X" names a person only when X is a known given name ("I'm Layla", never "I'm Muslim" or "I'm British").
SELF_INTRODUCTIONS = ("i'm", "i am", "this is", "soy", "it's", "it is")

# People named by their relation or role: "my sister Amina", "mi terapeuta, Lucía".
RELATIONS = (
    "sister", "brother", "mother", "father", "mum", "mom", "mam", "mummy", "mommy", "dad", "daddy", "son",
    "daughter", "wife", "husband", "partner", "boyfriend", "girlfriend", "fiancé", "fiancée", "fiance", "friend",
    "best friend", "cousin", "aunt", "auntie", "aunty", "uncle", "grandmother", "grandma", "granny", "nan",
    "grandfather", "grandpa", "grandad", "niece", "nephew", "stepmother", "stepfather", "stepmom", "stepdad",
    "sister-in-law", "brother-in-law", "mother-in-law", "father-in-law", "ex", "therapist", "counsellor",
    "counselor", "psychologist", "psychiatrist", "doctor", "gp", "nurse", "social worker", "boss", "manager",
    "supervisor", "colleague", "coworker", "co-worker", "teacher", "tutor", "professor", "neighbour", "neighbor",
    "flatmate", "roommate", "housemate", "classmate", "pastor", "priest", "imam", "coach", "mentor", "landlord",
    "landlady", "babysitter", "carer", "caregiver", "son-in-law", "daughter-in-law", "kid", "child", "baby",
    "hermana", "hermano", "madre", "padre", "mamá", "mama", "papá", "papa", "hijo", "hija", "esposa", "esposo",
    "marido", "novio", "novia", "pareja", "amigo", "amiga", "mejor amiga", "mejor amigo", "primo", "prima", "tía",
    "tío", "abuela", "abuelo", "sobrina", "sobrino", "suegra", "suegro", "cuñada", "cuñado", "terapeuta",
    "psicóloga", "psicólogo", "psiquiatra", "doctora", "médica", "médico", "enfermera", "enfermero", "jefe",
    "jefa", "compañera", "compañero", "colega", "vecina", "vecino", "profesora", "profesor", "maestra", "maestro",
    "consejera", "consejero", "orientadora", "orientador", "cura", "sœur", "frère", "mère", "père", "ami", "amie",
    "schwester", "bruder", "mutter", "vater", "freund", "freundin", "irmã", "irmão", "mãe", "pai", "amiga",
    "tita", "tito", "lola", "lolo", "kuya", "ate", "ninang", "ninong", "dada", "kaka", "shangazi", "mjomba",
    "rafiki", "iya", "egbon", "aburo", "mama", "baba", "primo", "prima", "madrinha", "padrinho", "tia", "tio",
    "avó", "avô", "prima", "primo", "namorado", "namorada", "marido", "mulher", "colega", "chefe",
)  # fmt: skip
# Honorifics said after a name: "रेखा दीदी", "Sharma ji".
AFTER_NAME = ("दीदी", "जी", "भैया", "भाई", "साहब", "मैडम", "मौसी", "चाचा", "चाची", "दादी", "ji", "didi", "bhai")

# Titles before a name: "Dr Okafor", "la Dra. Gómez", "डॉ. शर्मा".
TITLES = (
    "dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "dra", "doctora", "sr", "sra", "srta",
    "señor", "señora", "señorita", "don", "doña", "madame", "monsieur", "mme", "herr", "frau", "sir", "dame",
    "auntie", "uncle", "aunty", "sister", "brother", "father", "imam", "pastor", "rabbi", "sheikh", "shri",
    "smt", "डॉ", "डॉक्टर", "श्री", "श्रीमती", "सुश्री",
)  # fmt: skip

# Words after which a name is where someone works or studies: "I worked at …", "trabajo para …".
ORGANISATION_CUES = (
    "work at", "worked at", "working at", "works at", "work for", "worked for", "working for", "works for",
    "job at", "job with", "employed by", "employed at", "intern at", "internship at", "volunteer at",
    "manager at", "boss at", "colleague at", "colleagues at", "nurse at", "shift at", "shifts at", "rider for",
    "driver for", "cleaner at", "cashier at", "teacher at", "counsellor at", "counselor at", "therapist at",
    "doctor at", "job in", "position at", "role at", "contract with", "apply to", "applied to",
    "volunteered at", "volunteering at", "studied at", "study at", "studying at", "studies at", "student at",
    "enrolled at", "graduated from", "teach at", "taught at", "hired by", "fired from", "quit", "left",
    "trabajo en", "trabajaba en", "trabajé en", "trabaja en", "trabajo para", "trabajaba para", "trabajé para",
    "trabaja para", "estudio en", "estudié en", "estudiaba en", "estudia en", "me gradué en", "me gradué de",
    "empleada en", "empleado en", "contratada por", "contratado por", "prácticas en",
)  # fmt: skip

# Prepositions and verbs after which a name is a place: "I'm from …", "vivo en …", "moved to …".
PLACE_CUES = (
    "in", "from", "near", "outside", "around", "moved to", "move to", "moving to", "went to", "go to", "going to",
    "travelled to", "traveled to", "flew to", "came to", "back to", "back home to", "fled to", "emigrated to",
    "relocated to", "live in", "lived in", "living in", "grew up in", "born in", "raised in", "based in",
    "en", "de", "desde", "cerca de", "me mudé a", "nos mudamos a", "fui a", "volví a", "regresé a", "viajé a",
    "vivo en", "vivía en", "nací en", "crecí en", "soy de", "à", "nach", "aus", "em", "na", "pra", "para",
    "moro em", "morava em", "sa", "taga", "huko", "kutoka",
)  # fmt: skip

# Heads of an organisation's or facility's name, after the name: "St Mary's Hospital", "Barclays Bank".
ORGANISATION_HEADS_AFTER = (
    "clinic", "hospital", "hospitals", "university", "school", "college", "bank", "centre", "center", "institute",
    "ltd", "limited", "inc", "llc", "plc", "gmbh", "corp", "corporation", "company", "co", "foundation", "trust",
    "academy", "pharmacy", "surgery", "practice", "church", "mosque", "temple", "synagogue", "group", "charity",
    "society", "association", "ministry", "council", "agency", "partners", "solutions", "technologies",
    "systems", "services", "consulting", "labs", "studios", "media", "health", "healthcare", "care", "network",
    "institution", "polytechnic", "seminary", "madrasa", "gurdwara", "kindergarten", "nursery", "café", "cafe",
    "restaurant", "hotel", "store", "stores", "shop", "supermarket", "factory", "firm", "studio", "office",
    "analytics", "deliveries", "delivery", "logistics", "freight", "insurance", "bakery", "motors", "foods",
    "pharma", "pharmaceuticals", "holdings", "industries", "enterprises", "ventures", "capital", "digital",
    "tech", "software", "telecom", "airlines", "airways", "energy", "textiles", "traders", "trading", "express",
    "international", "global", "ngo", "hub", "collective", "circle", "initiative", "project", "sacco",
    "अस्पताल", "सॉल्यूशंस", "फ़ाउंडेशन", "फाउंडेशन", "केंद्र", "लिमिटेड", "ट्रस्ट", "सेंटर", "क्लिनिक",
    "विश्वविद्यालय", "कॉलेज", "स्कूल", "बैंक", "संस्थान", "कंपनी", "मंदिर",
)  # fmt: skip
# Heads before the name: "University of Lagos", "Hospital Clínic", "Clínica San Rafael".
ORGANISATION_HEADS_BEFORE = (
    "university", "bank", "hospital", "clinic", "college", "institute", "ministry", "church", "school", "academy",
    "universidad", "universitat", "università", "université", "universidade", "banco", "hospital", "clínica",
    "clinica", "colegio", "escuela", "instituto", "centro", "fundación", "empresa", "farmacia", "consultorio",
    "ministerio", "iglesia", "parroquia", "liceo", "facultad", "sanatorio", "policlínica", "ambulatorio",
    "asociación", "grupo", "compañía", "cooperativa", "hôpital", "clinique", "école", "lycée", "krankenhaus",
    "klinik", "schule", "universität", "escola", "faculdade",
)  # fmt: skip

# Lower-case words that may stand inside a name: "Bank of America", "María de la Cruz", "Omar bin Said". Not
# "and": "Mariana and Garciaville" are two names.
NAME_PARTICLES = (
    "of", "the", "for", "de", "del", "la", "las", "los", "el", "da", "do", "dos", "das", "di",
    "van", "von", "der", "den", "le", "du", "des", "bin", "bint", "ibn", "al", "el", "abu", "ben", "st", "san",
    "santa", "&",
)  # fmt: skip

# Capitalised words that name no one and nowhere: months, days, languages, faiths, interjections, pronouns.
NOT_NAMES = (
    "i", "i'm", "i've", "i'd", "i'll", "im", "ok", "okay", "yeah", "yes", "no", "um", "uh", "oh", "hmm", "hi",
    "hello", "well", "so", "and", "but", "or", "because", "then", "also", "like", "just", "really", "actually",
    "god", "lord", "allah", "dios", "christ", "virgen", "virgin", "day", "week", "bhagwan", "mum", "mom", "dad",
    "mama", "papa", "mamá", "papá", "sir", "madam", "miss", "doctor", "nurse", "covid", "covid-19", "internet",
    "ai", "llm", "llms",
    "bot", "chatbot", "chatbots", "app", "apps", "tv", "dm", "dms", "text", "email", "online", "zoom",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
    "noviembre", "diciembre", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
    "english", "spanish", "hindi", "arabic", "french", "german", "portuguese", "urdu", "bengali", "tamil",
    "chinese", "mandarin", "cantonese", "japanese", "korean", "russian", "italian", "turkish", "swahili",
    "yoruba", "igbo", "hausa", "punjabi", "persian", "farsi", "hebrew", "polish", "dutch", "tagalog", "español",
    "inglés", "francés", "árabe", "muslim", "muslims", "christian", "christians", "catholic", "hindu", "sikh",
    "jewish", "buddhist", "islam", "christianity", "ramadan", "eid", "diwali", "christmas", "easter",
    "navidad", "semana", "santa", "black", "white", "asian", "latino", "latina", "latinx", "western", "european",
    "african", "american", "british", "indian", "nigerian", "lebanese", "mexican", "spanish", "chat", "therapy",
    "cbt", "dbt", "adhd", "ptsd", "ocd", "nhs", "phd", "ceo", "hr", "it", "uni", "gpt", "pero", "porque",
    "entonces", "bueno", "sí", "también", "cuando", "después", "antes", "ahora", "yo", "ella", "él", "ellos",
    "nosotros", "mi", "mis", "su", "sus", "la", "el", "los", "las", "un", "una", "que", "como", "con", "para",
    "por", "sin", "pues", "vale", "claro", "hola", "gracias", "señor", "señora", "terapia", "psicólogo",
    "मेरे", "मेरी", "मेरा", "हमारे", "हमारी", "हमारा", "उनके", "उनकी", "आपके", "आपकी", "तुम्हारे", "तुम्हारी",
)  # fmt: skip

# Feasts whose next word is part of their name, not a person: "Christmas Eve", "Easter Monday".
HOLIDAYS = (
    "christmas", "xmas", "easter", "halloween", "thanksgiving", "ramadan", "eid", "diwali", "holi", "navidad",
    "nochebuena", "pascua", "hanukkah", "passover", "new year", "valentine", "mother", "father", "boxing",
)  # fmt: skip
# Words after "X, " that make X a person: "Adébáyọ̀, that's my cousin", "Amina, my sister".
APPOSITION_OPENERS = (
    "my",
    "that's my",
    "that is my",
    "he's my",
    "she's my",
    "our",
    "mi",
    "es mi",
    "mi",
    "meu",
    "minha",
)
