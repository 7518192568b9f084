"""Word lists of the sensitive-information screen in Spanish, French and German (`rules.sensitive` holds
the English ones and the patterns that use them).

Each list is a regular-expression alternation (for the health words, whose German compounds are matched
by their stem) or a set of words. Accents are kept: the patterns match the text as written; the name
lists are looked up ASCII-folded, like the English ones.
"""

# Health details, as whole words: conditions, treatments, tests, stays, wards, births and deaths.
HEALTH_ES = r"""
c[aá]ncer|tumor(?:es)?|leucemia|linfoma|melanoma|met[aá]stasis|quimio(?:terapia)?|radioterapia|inmunoterapia
|diabetes|diab[eé]tic[oa]s?|insulina|ictus|derrame\s+cerebral|infarto|sepsis|neumon[ií]a|covid(?:-19)?|gripe
|asma|epoc|demencia|alzh[eé]imer|p[aá]rkinson|epilepsia|convulsi(?:ón|on|ones)|cardiac[oa]|card[ií]ac[oa]
|insuficiencia|hipertensi[oó]n|ri[ñn][oó]n|renal|h[ií]gado|hepatitis|cirrosis|vih|sida|infecci[oó]n|deshidrataci[oó]n
|quemaduras?|fractura(?:do|da|s)?|se\s+(?:rompi[oó]|fractur[oó])|lesi[oó]n(?:es)?|herid[oa]s?|traumatismo
|conmoci[oó]n|sobredosis|adicci[oó]n|desintoxicaci[oó]n|rehabilitaci[oó]n|depresi[oó]n|ansiedad|bipolar
|esquizofrenia|suicidio|intento\s+de\s+suicidio|trastorno(?:\s+\w+)?|anorexia|bulimia|autismo|tdah|embarazada
|embarazo|aborto(?:\s+espont[aá]neo)?|p[eé]rdida\s+gestacional|parto|cesárea|cesarea|prematur[oa]|cirug[ií]a
|operaci[oó]n|operad[oa]|intervenid[oa]|intervenci[oó]n|trasplante|di[aá]lisis|medicaci[oó]n|medicamentos?
|antidepresivos?|antibi[oó]ticos?|transfusi[oó]n|respirador|intubad[oa]|soporte\s+vital|marcapasos|biopsia
|resonancia|radiograf[ií]a|esc[aá]ner|ecograf[ií]a|mamograf[ií]a|colonoscopia|an[aá]lisis|resultados
|diagn[oó]stico|diagnosticad[oa]|pron[oó]stico|tratamiento|terapia|paliativos?|recuperaci[oó]n|recuper[aá]ndose
|se\s+recupera|ingresad[oa]|ingres[oó]|ingreso|dad[oa]\s+de\s+alta|el\s+alta|hospitalizad[oa]|hospitalizaci[oó]n
|urgencias|uci|ucin|oncolog[ií]a|cardiolog[ií]a|neurolog[ií]a|psiquiatr[ií]a|maternidad|neonatolog[ií]a
|fertilidad|fiv|in\s+vitro|falleci[oó]|fallecid[oa]|ambulancia|quir[oó]fano|sedad[oa]|epidural|dio\s+a\s+luz
|superviviente|s[ií]ntomas|fiebre|ox[ií]geno|silla\s+de\s+ruedas|metadona|gen[eé]tic[oa]|brca|mutaci[oó]n
|salud\s+mental|esclerosis|ingresada|enferm[oa]|enfermedad|planta\s+de\s+\w+|en\s+coma
|vacuna|tensi[oó]n\s+arterial|herida|mastectom[ií]a|hemodi[aá]lisis|ictericia|positivo|convalecencia
|internad[oa]|internaron|internaci[oó]n|pancreatitis|pr[oó]tesis|cadera|traumatolog[ií]a|pediatr[ií]a|f[eé]rula|yeso
|muletas|escayola|ca[ií]da|se\s+cay[oó]|pabell[oó]n|volvi[oó]\s+a\s+caminar|\w{3,}itis|\w{3,}ectom[ií]a|(?:an|leuc|septic|hipogluc|hiperglluc|isqu|bacteri|tox|ur)emia
|psic[oó]tic[oa]|psicosis|brote|ingreso\s+psiqui[aá]trico|interrupci[oó]n\s+(?:voluntaria\s+)?del\s+embarazo
|perd(?:i[oó]|imos)\s+(?:el|al|a\s+su)\s+beb[eé]|rehab|metadona|del\s+hospital|en\s+el\s+hospital|al\s+hospital
|reproducci[oó]n\s+asistida|beta\s+positiva|transferencias?|embri[oó]n\w*|salud\s+mental|hemodi[aá]lisis|unidad\s+renal
|marcapasos|stent|colocaci[oó]n
"""

HEALTH_FR = r"""
cancer|tumeurs?|leuc[ée]mie|lymphome|m[ée]lanome|m[ée]tastases?|chimio(?:th[ée]rapie)?|radioth[ée]rapie
|immunoth[ée]rapie|diab[èe]te|diab[ée]tique|insuline|avc|infarctus|septic[ée]mie|pneumonie|covid(?:-19)?|grippe
|asthme|bpco|d[ée]mence|alzheimer|parkinson|[ée]pilepsie|crise\s+cardiaque|cardiaque|insuffisance|hypertension
|reins?|r[ée]nal[e]?|foie|h[ée]patite|cirrhose|vih|sida|infection|d[ée]shydrat[ée]e?|br[uû]lures?|fracture[ée]?
|cass[ée]\s+(?:la|le|les)\s+\w+|s['’]est\s+cass[ée]|bless[ée]e?s?|blessures?|traumatisme|commotion|overdose|surdose
|addiction|d[ée]pendance|sevrage|d[ée]sintoxication|cure\s+de\s+\w+|r[ée][ée]ducation|d[ée]pression|d[ée]prim[ée]e?
|anxi[ée]t[ée]|bipolaire|schizophr[ée]nie|suicide|tentative\s+de\s+suicide|troubles?\s+\w+|anorexie|boulimie
|autisme|tdah|enceinte|grossesse|fausse\s+couche|ivg|accouchement|accouch[ée]e?|c[ée]sarienne|pr[ée]matur[ée]e?
|chirurgie|op[ée]r[ée]e?|op[ée]ration|intervention|greffe|transplantation|dialyse|m[ée]dicaments?|traitement
|antid[ée]presseurs?|antibiotiques?|transfusion|respirateur|intub[ée]e?|r[ée]animation|r[ée]a|soins\s+intensifs
|pacemaker|stimulateur\s+cardiaque|biopsie|irm|scanner|[ée]chographie|mammographie|coloscopie|analyses
|r[ée]sultats|diagnostic|diagnostiqu[ée]e?|pronostic|th[ée]rapie|soins\s+palliatifs|palliatifs?|convalescence
|r[ée]tablissement|se\s+remet|hospitalis[ée]e?|hospitalisation|admis[e]?|urgences|oncologie|cardiologie
|neurologie|p[ée]diatrie|psychiatrie|maternit[ée]|n[ée]onatalogie|n[ée]onatologie|fertilit[ée]|fiv|pma
|d[ée]c[ée]d[ée]e?|d[ée]c[èe]s|samu|bloc\s+op[ée]ratoire|s[ée]dat[ée]e?|p[ée]ridurale|a\s+donn[ée]\s+naissance
|survivante?|sympt[ôo]mes|fi[èe]vre|oxyg[èe]ne|fauteuil\s+roulant|m[ée]thadone|g[ée]n[ée]tique|brca|mutation
|sant[ée]\s+mentale|scl[ée]rose|malade|maladie|coma|vaccin|mastectomie
|plaie|points\s+de\s+suture|test[ée]e?\s+positif|service\s+de\s+\w+|sortie\s+de\s+l['’]h[ôo]pital|[àa]\s+l['’]h[ôo]pital
|de\s+l['’]h[ôo]pital|urgence|pl[âa]tre|b[ée]quilles|chute|n[ée]e?\s+[àa]\s+\d+\s+semaines|n[ée]onat\w*|fausses?\s+couches?
|s[ée]ropositi(?:f|ve)|proth[èe]se|hanche|revalidation|g[ée]riatri\w*|transf[ée]r[ée]e?|pontage|consultation\s+de\s+contr[ôo]le
|retour\s+[àa]\s+la\s+maison|perte\s+de\s+(?:votre|son|sa|leur)\s+b[ée]b[ée]|gyn[ée]co\w*|(?:appendic|bronch|m[ée]ning|arthr|gastr|pancr[ée]at|sinus|ot|cyst|tendin|conjonctiv|laryng|pharyng
|phl[ée]b|enc[ée]phal|n[ée]phr|p[ée]ricard|myocard|h[ée]pat|col|derm|spondyl|ost[ée]omy[ée]l)ite|\w{3,}ectomie
|(?:an|leuc|septic|hypoglyc|hyperglyc|isch|bact[ée]ri|tox|ur)[ée]mie|psychotique|psychose|hosto
"""

# German health words are often compounds ("Brustkrebs", "Intensivstation", "Hüft-OP"): these stems are
# matched inside a word too.
HEALTH_DE_STEMS = r"""
krebs|tumor|leuk[äa]mie|lymphom|melanom|metastase|chemo|bestrahlung|strahlentherapie|diabet|insulin|schlaganfall
|infarkt|sepsis|blutvergiftung|lungenentz[üu]ndung|entz[üu]ndung|covid|grippe|asthma|copd|demenz|alzheimer
|parkinson|epilepsie|krampfanfall|herzinsuffizienz|bluthochdruck|nieren|leber|hepatitis|zirrhose|infektion
|verbrennung|fraktur|gehirnersch[üu]tterung|[üu]berdosis|s[üu]chtig|entzug|entgiftung|reha|depression
|depressiv|angstst[öo]rung|bipolar|schizophren|suizid|selbstmord|essst[öo]rung|magersucht|bulimie|autis|adhs
|schwanger|fehlgeburt|abtreibung|entbunden|entbindung|kaiserschnitt|fr[üu]hchen|fr[üu]hgeboren|operation|operiert
|transplant|spenderniere|dialyse|medikament|behandlung|behandelt|antidepressiv|antibiotik|transfusion|beatmung
|beatmet|intubiert|koma|intensivstation|schrittmacher|biopsie|mrt|r[öo]ntgen|ultraschall|mammograph|darmspiegelung
|befund|diagnose|diagnostiziert|prognose|therapie|palliativ|hospiz|genesung|station[äa]r|eingeliefert|entlassen
|entlassung|notaufnahme|onkologie|kardiologie|neurologie|psychiatrie|kreißsaal|krei[sß]saal|neonatologie
|kinderwunsch|befruchtung|ivf|verstorben|gestorben|rettungswagen|notarzt|sediert|symptom|fieber|sauerstoff
|rollstuhl|methadon|substitution|genetisch|gentest|brca|mutation|psychisch|sklerose|im\s+krankenhaus
|krank(?!enhaus|enschwester|enpfleger|enkasse|enversicher)|erkrank|impf|blutdruck|h[üu]ft-?op|knie-?op|wunde(?!r)|gebrochen|verletz|unfall
|station\s+\d|pflegegrad|geburt(?!stag)|blinddarm|herz(?!lich|og|en\b)|lunge|gallen|sucht(?:klinik|krank|erkrank|behandl|berat)
|abh[äa]ngig|eingeliefert|gips(?!y)|sturz|gest[üu]rzt|ssw|schwangerschaftswoche|intensiv\b|unterzuckerung|hypoglyk
|im\s+notfall|notfall|itis|sucht(?:station|abteilung|therapie|hilfe|ambulanz|medizin)|humangenet|syndrom|kollaps
|betreut|erholung|krankgeschrieben|klinikaufenthalt|(?<!ho)spital|psychose|kr[üu]cken|neo\b
|schmerz|bandscheib|entz[üu]nd|tagesklinik|jugendpsychiatrie|im\s+krankenhaus|ins\s+krankenhaus
"""

# Kinship and person words before a name ("mi abuela Carmen", "ma mère Josiane", "Oma Gerda").
KIN = r"""
mam[aá]|pap[aá]|madre|padre|abuel[ao]|abuelit[ao]|hij[oa]|hijit[oa]|herman[oa]|t[ií][ao]|prim[oa]|esposo|esposa
|marido|sobrin[oa]|niet[oa]|beb[eé]|peque[ñn][oa]|suegr[oa]|cu[ñn]ad[oa]|novi[oa]|vecin[oa]|amig[oa]
|maman|m[èe]re|p[èe]re|grand-m[èe]re|grand-p[èe]re|mamie|papi|papy|m[ée]m[ée]|p[ée]p[ée]|fils|fille|fr[èe]re
|s[œo]eur|tante|tonton|oncle|cousine?|mari|[ée]poux|[ée]pouse|neveu|ni[èe]ce|petit-fils|petite-fille|b[ée]b[ée]
|petite?|belle-m[èe]re|beau-p[èe]re|copine?|compagne?|voisine?|ami|amie
|mutter|vater|oma|opa|omi|opi|sohn|tochter|bruder|schwester|tante|onkel|cousine?|ehemann|ehefrau|neffe|nichte|enkel|enkelin
|kleine?[nr]?|schwager|schw[äa]gerin|schwiegermutter|schwiegervater|freundin|nachbar|nachbarin|mami|papi|mann|frau
|zwillinge|drillinge|nan|nanna|nanny|gran|gram|granny|roommate|flatmate|housemate|bestie|mate|friend|neighbou?r
|coworker|co-worker|bff|hubby|wifey|bro|sis|cuz|kiddo|stepdad|stepmom|stepmum|stepson|stepdaughter
"""

# Honorifics before a surname or a name.
HONORIFICS = (
    r"(?:Sr|Sra|Srta|Sres|Don|Doña|D|Dª|M|Mme|Mlle|Mmes|MM|Monsieur|Madame|Mademoiselle|Herr|Herrn|Frau|Señor|Señora"
    r"|Señorita)"
)

# Professional titles: a name after one of these is staff at work.
PRO_TITLES = r"""
dra|doctora|doctor|enfermer[oa]|m[eé]dic[oa]|cirujan[oa]|matrona|comadrona|fisioterapeuta|psic[oó]log[oa]
|farmac[eé]utic[oa]|jef[ea]\s+de\s+\w+|supervisor[a]?|coordinador[a]?|director[a]?|gerente|voluntari[oa]
|trabajador[a]?\s+social|t[eé]cnic[oa]|auxiliar|celador[a]?|residente|investigador[a]?|pediatra|oncólog[oa]|cardi[oó]log[oa]
|pr|professeure?|docteure?|infirmi[èe]re?|m[ée]decin|chirurgien(?:ne)?|sage-femme|kin[ée]sith[ée]rapeute|kin[ée]
|psychologue|pharmacien(?:ne)?|cadre\s+de\s+sant[ée]|cadre|directeur|directrice|coordinatrice|coordinateur|b[ée]n[ée]vole
|assistante?\s+sociale?|aide-soignante?|interne|chercheuse|chercheur|p[ée]diatre|oncologue|cardiologue|brancardier
|arzt|[äa]rztin|oberarzt|ober[äa]rztin|chefarzt|chef[äa]rztin|assistenzarzt|assistenz[äa]rztin|fach[äa]rztin|facharzt
|pfleger|pflegerin|pflegekraft|krankenschwester|krankenpfleger|schwester|hebamme|physiotherapeut(?:in)?
|psycholog(?:e|in)|apotheker(?:in)?|stationsleitung|pflegedienstleitung|leiterin|leiter|direktor(?:in)?
|koordinator(?:in)?|ehrenamtliche?r?|sozialarbeiter(?:in)?|assistent(?:in)?|professorin|professor|prof|forscher(?:in)?
|kinder[äa]rztin|kinderarzt|seelsorger(?:in)?|pfarrer(?:in)?|kollegin|kollege|mitarbeiter(?:in)?
|sanitäter(?:in)?|notfallsanit[äa]ter(?:in)?
"""

# Words that introduce a person being thanked, greeted or wished well.
INTRO = r"""
gracias\s+a|muchas\s+gracias|felicidades(?:\s+a)?|enhorabuena(?:\s+a)?|bienvenid[oa]s?|querid[oa]s?|hola|oraciones\s+por
|rezamos\s+por|fuerza|[aá]nimo|mejórate|mejorate|recuperate|recupérate|feliz\s+cumplea[ñn]os|te\s+queremos
|merci\s+(?:à|a)|bravo\s+(?:à|a)|f[ée]licitations(?:\s+(?:à|a))?|bienvenue(?:\s+(?:à|a))?|bonjour|salut|ch[èe]re?s?
|pens[ée]es\s+pour|courage|bon\s+r[ée]tablissement|joyeux\s+anniversaire|on\s+t['’]aime
|danke\s+an|vielen\s+dank\s+an|herzlichen\s+gl[üu]ckwunsch(?:\s+an)?|willkommen|liebe[rs]?|hallo|gute\s+besserung(?:\s+an)?
|alles\s+gute(?:\s+an)?|wir\s+denken\s+an|daumen\s+dr[üu]cken\s+f[üu]r|viel\s+kraft|gr[üu]ße\s+an
|feliz\s+cumple\w*|pri(?:ez|ons)\s+pour|pri[èe]res?\s+pour|rezad?\s+por|oremos\s+por|betet\s+f[üu]r|beten\s+f[üu]r
|sending\s+(?:love|prayers|hugs)\s+to|thoughts\s+(?:are\s+)?with|all\s+the\s+love\s+to
"""

# Capitalized words of these languages that never start a name.
STOP_CAPS = """
El La Los Las Un Una Unos Unas Nuestro Nuestra Nuestros Nuestras Mi Mis Su Sus Tu Tus Este Esta Estos Estas Ese Esa
Hoy Ayer Mañana Gracias Hola Felicidades Bienvenido Bienvenida Bienvenidos Querido Querida Queridos Enhorabuena
Lunes Martes Miércoles Jueves Viernes Sábado Domingo Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre
Octubre Noviembre Diciembre Hospital Centro Clínica Unidad Servicio Planta Sala Equipo Paciente Pacientes Familia
Usted Ustedes Nosotros Yo Él Ella Ellos Ellas Que Qué Cuando Como Cómo Para Por Con Sin Desde Hasta Si Sí No Pero
Le Les Des Une Notre Nos Mon Ma Mes Son Sa Ses Ce Cette Ces Aujourd Demain Hier Merci Bonjour Félicitations Bienvenue
Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre
Novembre Décembre Hôpital Centre Service Équipe Patient Patiente Patients Famille Nous Vous Il Elle Ils Elles Je Tu
Quand Pour Avec Sans Dans Chez Mais Et Ou Où Qui Quoi
Der Die Das Den Dem Des Ein Eine Einen Einem Einer Unser Unsere Unserem Unseren Mein Meine Sein Seine Ihr Ihre
Heute Gestern Morgen Danke Hallo Willkommen Herzlichen Liebe Lieber Liebes Wir Sie Er Es Ich Du Euch Wenn Wie Was
Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Januar Februar März April Juni Juli August Oktober
Dezember Krankenhaus Klinik Klinikum Station Team Patient Patientin Patienten Familie Und Oder Aber Mit Für Von Zu
Bei Nach Auf Im In Am Um Bis Ab Aus Seit Nicht Kein Keine Alles Gute Besserung Glückwunsch Frohe Wochen Tag
Oma Opa Mama Papa Mutter Vater Tochter Sohn Bruder Schwester Tante Onkel Abuela Abuelo Mamá Papá Maman Papi Mamie
Grand Herr Frau Señor Señora Madame Monsieur Don Doña Dra Pr Prof Schwester Pfleger
Mo Di Mi Do Fr Sa So Lu Ma Me Je Ve Access Representative Representatives Relations Financial Services Experience
Advocate Advocates Portal Safety Transport Navigator Liaison Affairs Bildunterschrift Bildtext Foto Photo Pictured
Advice Drs Dres Kolleg Kollegen Kolleginnen Kollegin Mitarbeitende Leute Zusammen Euch Compañeros Compañeras
Equipo Collègues Équipe Chers Chères
"""

# Given names of Spanish-, French- and German-speaking countries not in the English list (ASCII-folded).
FIRST_NAMES = """
Aitor Ainhoa Alvaro Amparo Araceli Asuncion Agustin Benjamin Begona Candela Carmen Carmelo Concepcion Concha Conchi
Consuelo Cristobal Encarnacion Encarna Eusebio Facundo Fermin Gonzalo Guillermina Herminia Higinio Iker Inaki Inigo
Inmaculada Inma Itziar Jacinto Javiera Josefa Jose Julian Leire Lorenzo Lourdes Macarena Maite Maribel Marisa Matias
Milagros Montserrat Montse Nerea Nicanor Nieves Paloma Paqui Paco Pepe Pepa Pilar Purificacion Rocio Rodolfo Roque
Salvador Soledad Teodoro Valentin Ximena Xiomara Yolanda Zulema Lupita Chucho Chela Nacho Quique Rosalia Rosita
Adolfo Alonso Anselmo Baltasar Bartolome Basilio Bernardino Casimiro Ceferino Cipriano Eladio Epifanio Evaristo
Feliciano Fidel Florencio Gregorio Hilario Isidro Jeronimo Leandro Leonor Marcelino Maximino Modesto Narciso Onofre
Patricio Prudencio Remedios Rigoberto Saturnino Severino Teofilo Ulises Venancio Wenceslao Zacarias Juanjo Josema
Adele Alain Albane Amelie Anais Anne-Marie Antoinette Apolline Arnaud Aurelie Aurelien Axelle Baptiste Benoit
Bernadette Brigitte Capucine Cecile Celine Chantal Christelle Christophe Claude Clemence Clement Colette Corentin
Cyril Danielle Denis Didier Dominique Elodie Eloise Emilie Enzo Etienne Fabien Fabienne Florence Francoise Francois
Gael Gaelle Gaetan Genevieve Georgette Gerard Ghislaine Gilles Ginette Guillaume Helene Henri Herve Hugues Isabelle
Jacqueline Jean-Claude Jean-Luc Jean-Marc Jean-Paul Jean-Pierre Jeannine Jerome Josiane Joelle Lea Laetitia Laurent
Leonie Lucie Lucien Ludovic Madeleine Maelle Manon Marcel Marcelle Margaux Marie-Claire Marie-Laure Marie-Therese
Marine Martine Mathieu Mathis Mathilde Maxime Micheline Mireille Monique Muriel Nadege Nathalie Noemie Oceane Odile
Olivier Pascal Pascale Philippe Pierre-Yves Raymonde Regis Remi Renee Romain Sandrine Severine Simone Solange
Sebastien Sylvain Sylvie Thierry Therese Theo Valerie Veronique Vincent Yannick Yves Yvonne Yvette Zoe Gisele Josette
Paulette Huguette Lucette Raymond Rene Andre Amandine Clementine Perrine Ophelie Loic Killian Titouan Eloi Quentin
Agathe Blandine Berenice Cyprien Gaspard Honorine Ines Lison Maelys Noa Timothee Nolwenn Soizic Yann Gwenael Anouk
Jurgen Gunter Gunther Klaus Uwe Sabine Ursula Helga Dieter Wolfgang Heinz Horst Gisela Renate Monika Karin Birgit
Thorsten Torsten Jens Lukas Leon Finn Lena Lea Anja Katja Silke Heike Kerstin Manfred Rolf Werner Gerda Hildegard
Erika Ingeborg Elke Bernd Timo Tobias Sebastian Michaela Andrea Annegret Annika Anke Antje Bettina Britta Carsten
Christa Christiane Claudia Cornelia Dagmar Detlef Dirk Doris Edeltraud Elfriede Erich Ernst-August Friedrich Fritz
Gabi Gabriele Gerhard Gudrun Gunnar Hannelore Hans-Peter Hartmut Heiko Helmut Hermann Hilde Holger Ilse Inge Irmgard
Jorg Joachim Jutta Kai Karl-Heinz Katharina Konrad Kurt Lothar Ludwig Margarete Margot Marianne Markus Marlies Mathias
Matthias Maximilian Nils Norbert Olaf Ottilie Otto Rainer Reinhard Reinhold Roswitha Rudi Rudolf Rosemarie Siegfried
Sigrid Stefanie Steffen Susanne Sven Swen Theresa Tilman Ulla Ulrike Ute Volker Waltraud Wilhelm Wiebke Wilfried
Wolfram Annelie Annette Birte Dorothea Franziska Frieda Greta Hanne Henrike Insa Johanna Jule Kathrin Lina Luise
Maja Mareike Nele Paula Pia Ronja Svenja Tanja Vanessa Ben Elias Emil Felix Henri Jannik Jonas Julian Levin Linus
Malte Mats Moritz Niklas Ole Paul Philipp Tim Tom Yannik Zeynep Emine Mehmet Ahmet Ayse Fatma Hatice Mustafa Huseyin
Gustavo Aurelio Raphael Aicha Aisha Fatou Maelys Jess Tash Niamh Orla Declan Jono Amira Florian Gerda Iker Nico
Mariela Florencia Agustina Camila Valentina Martina Josefina Micaela Romina Soledad Yamila Marcelo Ezequiel Lautaro
Thiago Bautista Joaquin Facundo Ramiro Emiliano Rodrigo Hernan Walter Omar Oswaldo Alan Brayan Kevin Yeison
Beat Urs Reto Ruedi Heidi Vreni Trudi Res Franz-Josef Sepp Toni Resi Burgi Ignaz Leopold Alois Hubert Gottfried
"""

# Words of health care a reply says the person had ("your chemo", "tu cita", "votre séjour", "Ihre OP").
CARE_NOUNS = r"""
chemo|chemotherapy|biopsy|biopsies|results?|scan|mri|surgery|operation|procedure|appointment|appt|visit|stay
|admission|discharge|treatment|infusion|radiation|therapy|diagnosis|labs?|bloodwork|test\s+results|follow-?\s?up
|post-?op|pre-?op|check-?up|replacement|repair|fusion|removal|reconstruction|implant|stitches|cast|x-?rays?|ct|echo
|ecg|ekg|bloods|blood\s+test|jab|injection|physio|pt|ot|ward|ultrasound|mammogram|colonoscopy|delivery|c-section|birth|recovery|care|records?|chart|prescription
|medication|meds|dialysis|transplant|session|physio|rehab|consult(?:ation)?|bill|claim|doctor|surgeon|nurse
|oncologist|room|bed|ward|unit|time\s+(?:with|in|on)\s+\w+
|quimio(?:terapia)?|biopsia|resultados?|cita|consulta|operaci[oó]n|cirug[ií]a|intervenci[oó]n|ingreso|estancia
|alta|tratamiento|revisi[oó]n|an[aá]lisis|parto|ces[aá]rea|recuperaci[oó]n|habitaci[oó]n|historia|expediente
|contr[ôo]le|suivi|bilan|s[ée]ance|visite|pansement|post-?op\w*|control|seguimiento|curas|nachsorge
|chimio(?:th[ée]rapie)?|biopsie|r[ée]sultats?|rendez-vous|rdv|consultation|op[ée]ration|chirurgie|intervention
|s[ée]jour|hospitalisation|sortie|traitement|examen|analyses|accouchement|c[ée]sarienne|convalescence|chambre|dossier
|chemo(?:therapie)?|biopsie|befunde?|ergebnisse?|termin|untersuchung|op|operation|eingriff|aufenthalt|aufnahme
|entlassung|behandlung|therapie|nachsorge|kontrolle|geburt|kaiserschnitt|genesung|zimmer|akte|krankenakte
"""

# Common surnames of many countries (ASCII-folded): a capitalized word after an unknown given name that is
# one of these makes the two a person's name ("Raphaël Nguyen").
SURNAMES = """
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson Thompson White
Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Mitchell Campbell
Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson
Reed Bailey Bell Kelly Howard Cox Ward Richardson Watson Brooks Wood James Bennett Gray Hughes Price Sanders Myers
Long Ross Foster Powell Jenkins Perry Russell Sullivan Butler Barnes Fisher Henderson Coleman Simmons Patterson
Jordan Reynolds Hamilton Graham Wallace Cole West Owens Marshall Ellis Hayes Gibson Murray Ford Kennedy Wells
O'Brien O'Connor O'Neill O'Sullivan McCarthy Walsh Byrne Ryan Doyle Gallagher Quinn Kavanagh Fitzgerald
Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores Rivera Gomez Diaz Reyes
Morales Cruz Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Mendoza Castillo Jimenez Moreno Romero Herrera Medina
Aguilar Vargas Castro Guzman Fernandez Munoz Rojas Navarro Dominguez Vazquez Serrano Blanco Molina Delgado Suarez
Ortega Rubio Marin Iglesias Nunez Garrido Cortes Lozano Cano Prieto Mendez Calvo Gallego Vidal Leon Marquez Pena
Cabrera Campos Vega Fuentes Carrasco Diez Caballero Reyes Aguirre Pascual Santana Herrero Montero Hidalgo Gimenez
Ibanez Ferrer Duran Santiago Benitez Mora Vicente Arias Vargas Carmona Crespo Roman Pastor Soto Saez Velasco Soler
Moya Esteban Parra Bravo Gallardo Rojas Pardo Merino Franco Espinosa Izquierdo Lorenzo Montes Sanz Andres Etxeberria
Quispe Mamani Huaman Condori Flores Chavez Sandoval Contreras Silva Pereira Oliveira Souza Costa Santos Ferreira
Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia David
Bertrand Roux Vincent Fournier Morel Girard Andre Lefevre Mercier Dupont Lambert Bonnet Francois Martinez Legrand
Garnier Faure Rousseau Blanc Guerin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clement Gauthier Dumont Lopez
Fontaine Chevalier Robin Masson Sanchez Gerard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noel
Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin
Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard
Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Da Silva Hubert Louis Charles Guillot Riviere Le Gall
Tremblay Gagnon Bouchard Gauthier Morin Lavoie Fortin Gagne Ouellet Pelletier Belanger Levesque Bergeron Leblanc
Paquette Girard Simard Boucher Caron Beaulieu Cloutier Dube Poirier Fournier Lapointe Leclerc Lefebvre Poulin
Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters De Smet Dubois Lambert Dupont Favre Rochat
Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schafer Koch Bauer Richter Klein Wolf
Schroder Neumann Schwarz Zimmermann Braun Kruger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann
Schmid Schulze Maier Kohler Herrmann Konig Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Moller Weiss Jung Hahn
Schubert Vogel Friedrich Keller Gunther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster
Simon Ludwig Bohm Winter Kraus Martin Schumacher Kramer Vogt Stein Jager Otto Sommer Gross Seidel Heinrich Brandt
Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kuhl Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold
Wolff Pfeiffer Gruber Steiner Moser Hofer Leitner Egger Pichler Reiter Eder Brunner Wimmer Lechner Eberle Reindl
Yilmaz Kaya Demir Sahin Celik Yildiz Yildirim Ozturk Aydin Ozdemir Arslan Dogan Kilic Aslan Cetin Kara Koc Kurt
Nguyen Tran Le Pham Hoang Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu
Sun Ma Zhu Hu Guo He Lin Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin Suzuki Sato Takahashi Tanaka
Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Patel Shah Singh Kumar Sharma Gupta Khan Ali Ahmed
Hussain Rahman Hassan Ibrahim Mohamed Abdi Diallo Traore Toure Keita Kone Camara Ndiaye Diop Fall Sow Ba Cisse
Okafor Okonkwo Adeyemi Mensah Boateng Owusu Asante Kamau Otieno Mwangi Benali Haddad Khoury Saleh Mansour
Kowalski Nowak Wisniewski Wojcik Kaminski Lewandowski Zielinski Szymanski Ivanov Petrov Smirnov Popescu Horvath
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Costa Giordano Mancini
"""

# Common words of the four languages that are also given names: a lowercase one is not read as a name.
LOWERCASE_NOT_NAMES = """
sue nick rob miles grant holly amber pearl lily ivy bella linda clara claire blanca rosa luz mar sol alba paz
dolores pilar consuelo remedios amparo rocio esperanza mercedes socorro reyes cruz santos salvador jesus angeles
ella elle pierre jean france constance marine beat ernst mia nina gil toni ali amy iris noel lou mae eva ana
leon leo ben tim tom max sam van lena lina elias jan kai mar mai carmen angel victoria ines lia gabi emma
nora vera dina alma dora flora gloria lola mona rita sara tina viola don otto karl paul ira jade ruby summer
will mark bill frank guy ray art gene drew rich hope grace joy faith may june april august rose dawn chase hunter
olive hazel daisy violet penny patience sandy rocky cash bob teddy job else alle ole pia res urs uwe sepp
"""
