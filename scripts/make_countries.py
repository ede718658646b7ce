"""Write src/chronicle/data/countries.tsv.

The row set and the official names come from pycountry (plus Kosovo, XKX, which
ISO has not assigned but news treats as a state). Everything pycountry does not
know -- the short names news actually uses, demonyms, capitals with their
older spellings, and metonyms for a government's seat -- is the hand-written
table below.

Run:  .venv/bin/python scripts/make_countries.py
"""

from __future__ import annotations

import re
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parents[1] / "src" / "chronicle" / "data" / "countries.tsv"

HEADER_COMMENT = (
    "# Generated from pycountry names by scripts/make_countries.py, then short names, "
    "demonyms, capitals and government seats hand-written by the Chronicle developers, 2026-11. "
    "aliases lists every surface form of the country name (the name column included); "
    "seats lists metonyms for the government other than the capital (a capital used as an actor "
    "is also the government, sector GOV). A form belongs to one country only."
)

# Display names where pycountry's is inverted ("Korea, Republic of") or not what news says.
NAME_OVERRIDES = {
    "BOL": "Bolivia",
    "BRN": "Brunei",
    "COD": "Democratic Republic of the Congo",
    "COG": "Republic of the Congo",
    "FLK": "Falkland Islands",
    "FSM": "Micronesia",
    "IRN": "Iran",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "LAO": "Laos",
    "MDA": "Moldova",
    "PSE": "Palestine",
    "RUS": "Russia",
    "SYR": "Syria",
    "TWN": "Taiwan",
    "TZA": "Tanzania",
    "VAT": "Holy See",
    "VEN": "Venezuela",
    "VGB": "British Virgin Islands",
    "VIR": "U.S. Virgin Islands",
    "VNM": "Vietnam",
    "MAF": "Saint Martin",
    "SXM": "Sint Maarten",
    "SHN": "Saint Helena",
    "CCK": "Cocos Islands",
}

# pycountry names that must not become aliases: bare "Congo" is kept for the DRC,
# which is what news means by it.
SKIP_AUTO_ALIASES = {"COG": {"Congo"}}

# alpha3 ; aliases ; demonyms ; capitals ; seats   ("|" inside a column, empty allowed)
# Shared forms are given to one country only: "Congolese" -> COD, "Guinean" -> GIN,
# "Dominican" -> DOM, "Korean" -> KOR, "Samoan" -> WSM.
HAND = r"""
ABW ; Aruba ; Aruban|Arubans ; Oranjestad ;
AFG ; Afghanistan|Islamic Emirate of Afghanistan ; Afghan|Afghans ; Kabul ; Arg|Arg Palace
AGO ; Angola ; Angolan|Angolans ; Luanda ; Cidade Alta
AIA ; Anguilla ; Anguillan|Anguillans ; The Valley ;
ALA ; Åland|Aland|Aland Islands ; Ålander|Ålanders|Alander|Alanders ; Mariehamn ;
ALB ; Albania ; Albanian|Albanians ; Tirana|Tiranë ;
AND ; Andorra ; Andorran|Andorrans ; Andorra la Vella ;
ARE ; UAE|U.A.E.|Emirates|United Arab Emirates ; Emirati|Emiratis ; Abu Dhabi ;
ARG ; Argentina ; Argentine|Argentines|Argentinian|Argentinians|Argentinean|Argentineans ; Buenos Aires ; Casa Rosada
ARM ; Armenia ; Armenian|Armenians ; Yerevan|Erevan|Erivan ;
ASM ; American Samoa ; American Samoan|American Samoans ; Pago Pago ;
ATA ; Antarctica ; ; ;
ATF ; French Southern and Antarctic Lands|TAAF ; ; Port-aux-Français ;
ATG ; Antigua and Barbuda|Antigua & Barbuda|Antigua ; Antiguan|Antiguans|Barbudan|Barbudans ; St. John's|Saint John's ;
AUS ; Australia|Commonwealth of Australia ; Australian|Australians|Aussie|Aussies ; Canberra ; Kirribilli House
AUT ; Austria ; Austrian|Austrians ; Vienna|Wien ; Ballhausplatz|Hofburg
AZE ; Azerbaijan ; Azerbaijani|Azerbaijanis|Azeri|Azeris ; Baku|Baki ;
BDI ; Burundi ; Burundian|Burundians ; Gitega|Bujumbura ;
BEL ; Belgium ; Belgian|Belgians ; Brussels|Bruxelles|Brussel ; Rue de la Loi|Wetstraat
BEN ; Benin|Dahomey ; Beninese|Beninois ; Porto-Novo|Cotonou ; Marina Palace
BES ; Caribbean Netherlands|Bonaire|Sint Eustatius|Saba ; Bonairean|Bonaireans ; Kralendijk ;
BFA ; Burkina Faso|Burkina|Upper Volta ; Burkinabe|Burkinabè|Burkinabes ; Ouagadougou|Ouaga ; Kosyam|Kosyam Palace
BGD ; Bangladesh ; Bangladeshi|Bangladeshis ; Dhaka|Dacca ; Bangabhaban|Ganabhaban
BGR ; Bulgaria ; Bulgarian|Bulgarians ; Sofia ;
BHR ; Bahrain ; Bahraini|Bahrainis ; Manama ;
BHS ; Bahamas|The Bahamas ; Bahamian|Bahamians ; Nassau ;
BIH ; Bosnia and Herzegovina|Bosnia|Bosnia-Herzegovina|Bosnia & Herzegovina|BiH|Republika Srpska ; Bosnian|Bosnians|Herzegovinian|Bosniak|Bosniaks ; Sarajevo ;
BLM ; Saint Barthélemy|Saint Barthelemy|St. Barts|St Barts|St Barths ; Saint-Barthélemois|Barthélemois ; Gustavia ;
BLR ; Belarus|Byelorussia|Belorussia ; Belarusian|Belarusians|Belarussian|Byelorussian|Belorussian ; Minsk ; Palace of Independence
BLZ ; Belize ; Belizean|Belizeans ; Belmopan ;
BMU ; Bermuda ; Bermudian|Bermudians|Bermudan ; ;
BOL ; Bolivia ; Bolivian|Bolivians ; La Paz|Sucre ; Palacio Quemado|Casa Grande del Pueblo
BRA ; Brazil|Brasil ; Brazilian|Brazilians ; Brasília|Brasilia ; Planalto|Planalto Palace|Palácio do Planalto|Palacio do Planalto|Itamaraty|Alvorada Palace
BRB ; Barbados ; Barbadian|Barbadians|Bajan|Bajans ; Bridgetown ;
BRN ; Brunei|Brunei Darussalam ; Bruneian|Bruneians ; Bandar Seri Begawan ;
BTN ; Bhutan ; Bhutanese ; Thimphu ;
BVT ; Bouvet Island ; ; ;
BWA ; Botswana ; Botswanan|Botswanans|Motswana|Batswana ; Gaborone ;
CAF ; Central African Republic|CAR|C.A.R.|Centrafrique ; Central African|Central Africans ; Bangui ; Renaissance Palace
CAN ; Canada ; Canadian|Canadians ; Ottawa ; Rideau Hall|24 Sussex Drive
CCK ; Cocos (Keeling) Islands|Cocos Islands|Keeling Islands ; Cocos Islander|Cocos Islanders ; West Island ;
CHE ; Switzerland|Swiss Confederation ; Swiss ; Bern|Berne ; Federal Palace|Bundeshaus
CHL ; Chile ; Chilean|Chileans ; Santiago|Santiago de Chile ; La Moneda|La Moneda Palace|Palacio de La Moneda
CHN ; China|PRC|P.R.C.|People's Republic of China|Mainland China|Communist China ; Chinese ; Beijing|Peking|Peiping ; Zhongnanhai
CIV ; Ivory Coast|Côte d'Ivoire|Cote d'Ivoire|Côte d’Ivoire|Cote d’Ivoire ; Ivorian|Ivorians|Ivoirian|Ivoirians ; Yamoussoukro|Abidjan ;
CMR ; Cameroon|Cameroun ; Cameroonian|Cameroonians ; Yaoundé|Yaounde ; Etoudi|Unity Palace
COD ; DRC|D.R.C.|DR Congo|D.R. Congo|DRCongo|Congo-Kinshasa|Congo|Democratic Republic of Congo|Democratic Republic of the Congo|Zaire ; Congolese ; Kinshasa|Léopoldville|Leopoldville ; Palais de la Nation
COG ; Republic of Congo|Republic of the Congo|Congo Republic|Congo-Brazzaville|Congo (Brazzaville) ; ; Brazzaville ;
COK ; Cook Islands ; Cook Islander|Cook Islanders ; Avarua ;
COL ; Colombia ; Colombian|Colombians ; Bogotá|Bogota|Santa Fe de Bogotá ; Casa de Nariño|Casa de Narino|Nariño Palace|Narino Palace
COM ; Comoros|Comoro Islands ; Comorian|Comorians|Comoran ; Moroni ; Beit-Salam
CPV ; Cape Verde|Cabo Verde ; Cape Verdean|Cape Verdeans|Cabo Verdean|Cabo Verdeans ; Praia ;
CRI ; Costa Rica ; Costa Rican|Costa Ricans ; San José|San Jose ;
CUB ; Cuba ; Cuban|Cubans ; Havana|La Habana ; Palace of the Revolution|Palacio de la Revolución
CUW ; Curaçao|Curacao ; Curaçaoan|Curacaoan|Curaçaoans|Curacaoans ; Willemstad ;
CXR ; Christmas Island ; Christmas Islander|Christmas Islanders ; Flying Fish Cove ;
CYM ; Cayman Islands|Caymans|Cayman ; Caymanian|Caymanians ; George Town ;
CYP ; Cyprus|Republic of Cyprus ; Cypriot|Cypriots|Greek Cypriot|Greek Cypriots ; Nicosia|Lefkosia ;
CZE ; Czechia|Czech Republic ; Czech|Czechs ; Prague|Praha ; Prague Castle|Hrad|Czernin Palace|Straka Academy
DEU ; Germany|Federal Republic of Germany|Deutschland|West Germany|East Germany ; German|Germans ; Berlin|Bonn ; Kanzleramt|Bundeskanzleramt|Bellevue Palace|Schloss Bellevue
DJI ; Djibouti ; Djiboutian|Djiboutians ; Djibouti City ;
DMA ; Dominica|Commonwealth of Dominica ; ; Roseau ;
DNK ; Denmark ; Danish|Dane|Danes ; Copenhagen|København ; Christiansborg|Marienborg
DOM ; Dominican Republic ; Dominican|Dominicans ; Santo Domingo ;
DZA ; Algeria ; Algerian|Algerians ; Algiers|Alger ; El Mouradia|Mouradia
ECU ; Ecuador ; Ecuadorian|Ecuadorians|Ecuadorean|Ecuadoreans ; Quito ; Carondelet|Carondelet Palace
EGY ; Egypt ; Egyptian|Egyptians ; Cairo ; Ittihadiya|Ittihadiya Palace|Heliopolis Palace|Abdeen Palace
ERI ; Eritrea ; Eritrean|Eritreans ; Asmara|Asmera ;
ESH ; Western Sahara|Sahrawi Arab Democratic Republic|SADR ; Sahrawi|Sahrawis|Saharawi|Saharawis ; Laayoune|El Aaiún|El Aaiun ;
ESP ; Spain ; Spanish|Spaniard|Spaniards ; Madrid ; Moncloa|La Moncloa|Zarzuela|Zarzuela Palace
EST ; Estonia ; Estonian|Estonians ; Tallinn|Reval ; Stenbock House|Kadriorg
ETH ; Ethiopia|Abyssinia ; Ethiopian|Ethiopians ; Addis Ababa|Addis Abeba ; Menelik Palace
FIN ; Finland ; Finnish|Finn|Finns ; Helsinki|Helsingfors ; Kesäranta|Mäntyniemi
FJI ; Fiji ; Fijian|Fijians ; Suva ;
FLK ; Falkland Islands|Falklands|Malvinas|Islas Malvinas ; Falkland Islander|Falkland Islanders|Falklander|Falklanders ; Port Stanley ;
FRA ; France|République française ; French|Frenchman|Frenchmen|Frenchwoman|Frenchwomen ; Paris ; Élysée|Elysee|Élysée Palace|Elysee Palace|Quai d'Orsay|Matignon|Hôtel Matignon|Hotel Matignon|Place Beauvau
FRO ; Faroe Islands|Faroes|Faeroe Islands|Faeroes ; Faroese|Faroe Islander|Faroe Islanders ; Tórshavn|Torshavn ;
FSM ; Micronesia|Federated States of Micronesia ; Micronesian|Micronesians ; Palikir ;
GAB ; Gabon ; Gabonese ; Libreville ; Bord de Mer Palace
GBR ; United Kingdom|UK|U.K.|Britain|Great Britain|England|Scotland|Wales|Northern Ireland ; British|Briton|Britons|Brit|Brits|Scottish|Scot|Scots|Welsh|Northern Irish ; London ; Downing Street|Number 10|No 10|No. 10|Whitehall|Home Office|Buckingham Palace
GEO ; Georgia|Sakartvelo ; Georgian|Georgians ; Tbilisi|Tiflis ; Orbeliani Palace|Krtsanisi Palace
GGY ; Guernsey ; Guernseyman|Guernseymen ; St Peter Port|Saint Peter Port ;
GHA ; Ghana ; Ghanaian|Ghanaians ; Accra ; Jubilee House|Golden Jubilee House|Flagstaff House
GIB ; Gibraltar ; Gibraltarian|Gibraltarians ; Gibraltar ;
GIN ; Guinea|Guinea-Conakry ; Guinean|Guineans ; Conakry ; Sékhoutouréya|Sekhoutoureya
GLP ; Guadeloupe ; Guadeloupean|Guadeloupeans ; Basse-Terre ;
GMB ; Gambia|The Gambia ; Gambian|Gambians ; Banjul|Bathurst ;
GNB ; Guinea-Bissau ; Bissau-Guinean|Bissau-Guineans ; Bissau ;
GNQ ; Equatorial Guinea ; Equatorial Guinean|Equatorial Guineans|Equatoguinean|Equatoguineans ; Malabo|Ciudad de la Paz ;
GRC ; Greece|Hellas|Hellenic Republic ; Greek|Greeks|Hellenic ; Athens|Athina ; Maximos Mansion|Megaro Maximou
GRD ; Grenada ; Grenadian|Grenadians ; St. George's|Saint George's ;
GRL ; Greenland|Kalaallit Nunaat ; Greenlandic|Greenlander|Greenlanders ; Nuuk|Godthåb|Godthab ;
GTM ; Guatemala ; Guatemalan|Guatemalans ; Guatemala City|Ciudad de Guatemala ;
GUF ; French Guiana|Guyane ; French Guianese|Guianese ; Cayenne ;
GUM ; Guam ; Guamanian|Guamanians|Chamorro|Chamorros ; Hagåtña|Hagatna|Agana ;
GUY ; Guyana ; Guyanese ; Georgetown ;
HKG ; Hong Kong|HKSAR|Hong Kong SAR ; Hongkonger|Hongkongers|Hong Konger|Hong Kongers ; ;
HMD ; Heard Island and McDonald Islands|Heard Island ; ; ;
HND ; Honduras ; Honduran|Hondurans ; Tegucigalpa ;
HRV ; Croatia|Hrvatska ; Croatian|Croatians|Croat|Croats ; Zagreb ; Banski Dvori|Pantovčak|Pantovcak
HTI ; Haiti ; Haitian|Haitians ; Port-au-Prince ;
HUN ; Hungary ; Hungarian|Hungarians|Magyar|Magyars ; Budapest ; Carmelite Monastery|Sándor Palace|Sandor Palace
IDN ; Indonesia ; Indonesian|Indonesians ; Jakarta|Djakarta|Batavia|Nusantara ; Merdeka Palace|Istana Merdeka
IMN ; Isle of Man ; Manx|Manxman ; ;
IND ; India|Bharat|Republic of India ; Indian|Indians ; New Delhi|Delhi ; South Block|North Block|Raisina Hill|Rashtrapati Bhavan
IOT ; British Indian Ocean Territory|Chagos Islands|Chagos Archipelago|Diego Garcia ; Chagossian|Chagossians ; ;
IRL ; Ireland|Republic of Ireland|Eire|Éire ; Irish|Irishman|Irishmen ; Dublin ; Government Buildings|Áras an Uachtaráin|Aras an Uachtarain
IRN ; Iran|Islamic Republic of Iran|Persia ; Iranian|Iranians|Persian ; Tehran|Teheran ; Pasteur Street
IRQ ; Iraq ; Iraqi|Iraqis ; Baghdad ;
ISL ; Iceland ; Icelandic|Icelander|Icelanders ; Reykjavik|Reykjavík ;
ISR ; Israel ; Israeli|Israelis ; Jerusalem ;
ITA ; Italy|Italia ; Italian|Italians ; Rome|Roma ; Palazzo Chigi|Chigi Palace|Quirinale|Quirinal|Quirinal Palace|Farnesina
JAM ; Jamaica ; Jamaican|Jamaicans ; Kingston ; Jamaica House
JEY ; Jersey ; Jerseyman|Jerseymen ; Saint Helier|St Helier ;
JOR ; Jordan|Hashemite Kingdom ; Jordanian|Jordanians ; Amman ; Raghadan Palace
JPN ; Japan|Nippon ; Japanese ; Tokyo ; Kantei|Kasumigaseki
KAZ ; Kazakhstan|Kazakstan|Qazaqstan ; Kazakh|Kazakhs|Kazakhstani|Kazakhstanis|Kazak|Kazaks ; Astana|Nur-Sultan|Nursultan|Akmola|Aqmola|Tselinograd|Akmolinsk ; Akorda|Ak Orda|Akorda Palace
KEN ; Kenya ; Kenyan|Kenyans ; Nairobi ;
KGZ ; Kyrgyzstan|Kirghizia|Kirgizia|Kyrgyz Republic ; Kyrgyz|Kyrgyzstani|Kyrgyzstanis|Kirghiz|Kirgiz ; Bishkek|Frunze ; Ala-Archa
KHM ; Cambodia|Kampuchea ; Cambodian|Cambodians|Khmer ; Phnom Penh ;
KIR ; Kiribati ; I-Kiribati ; Tarawa|South Tarawa ;
KNA ; Saint Kitts and Nevis|St Kitts and Nevis|St. Kitts and Nevis|St Kitts ; Kittitian|Kittitians|Nevisian|Nevisians ; Basseterre ;
KOR ; South Korea|Republic of Korea|ROK|R.O.K.|Korea ; South Korean|South Koreans|Korean|Koreans ; Seoul ; Blue House|Cheong Wa Dae
KWT ; Kuwait ; Kuwaiti|Kuwaitis ; Kuwait City ; Seif Palace|Bayan Palace
LAO ; Laos|Lao PDR|Lao ; Laotian|Laotians ; Vientiane ;
LBN ; Lebanon ; Lebanese ; Beirut|Beyrouth ; Baabda|Baabda Palace|Grand Serail
LBR ; Liberia ; Liberian|Liberians ; Monrovia ; Executive Mansion
LBY ; Libya|Jamahiriya ; Libyan|Libyans ; Tripoli|Tarabulus ;
LCA ; Saint Lucia|St Lucia|St. Lucia ; Saint Lucian|Saint Lucians|St Lucian ; Castries ;
LIE ; Liechtenstein ; Liechtensteiner|Liechtensteiners ; Vaduz ;
LKA ; Sri Lanka|Ceylon ; Sri Lankan|Sri Lankans|Ceylonese ; Sri Jayawardenepura Kotte|Kotte|Colombo ; Temple Trees
LSO ; Lesotho ; Basotho|Mosotho ; Maseru ;
LTU ; Lithuania ; Lithuanian|Lithuanians ; Vilnius|Vilna|Wilno ;
LUX ; Luxembourg ; Luxembourger|Luxembourgers|Luxembourgish ; Luxembourg City ;
LVA ; Latvia ; Latvian|Latvians ; Riga ;
MAC ; Macau|Macao|Macau SAR|Macao SAR ; Macanese ; ;
MAF ; Saint Martin|St. Martin|St Martin|Saint-Martin ; Saint-Martinois ; Marigot ;
MAR ; Morocco ; Moroccan|Moroccans ; Rabat ; Makhzen
MCO ; Monaco ; Monegasque|Monégasque|Monegasques ; Monaco ;
MDA ; Moldova|Republic of Moldova|Moldavia ; Moldovan|Moldovans ; Chisinau|Chișinău|Chişinău|Kishinev ;
MDG ; Madagascar ; Malagasy|Madagascan|Madagascans ; Antananarivo|Tananarive ; Iavoloha|Iavoloha Palace
MDV ; Maldives ; Maldivian|Maldivians ; Malé ; Muliaage
MEX ; Mexico ; Mexican|Mexicans ; Mexico City|Ciudad de México|Ciudad de Mexico|CDMX ; Los Pinos|Palacio Nacional
MHL ; Marshall Islands ; Marshallese ; Majuro ;
MKD ; North Macedonia|Macedonia|FYROM|Former Yugoslav Republic of Macedonia ; Macedonian|Macedonians|North Macedonian ; Skopje|Skoplje ;
MLI ; Mali ; Malian|Malians ; Bamako ; Koulouba|Koulouba Palace
MLT ; Malta ; Maltese ; Valletta ; Auberge de Castille
MMR ; Myanmar|Burma|Union of Myanmar ; Burmese ; Naypyidaw|Nay Pyi Taw|Naypyitaw|Rangoon ;
MNE ; Montenegro|Crna Gora ; Montenegrin|Montenegrins ; Podgorica|Titograd ;
MNG ; Mongolia ; Mongolian|Mongolians|Mongol|Mongols ; Ulaanbaatar|Ulan Bator|Ulan-Bator ; State Palace of Mongolia
MNP ; Northern Mariana Islands|Northern Marianas|CNMI ; Northern Mariana Islander|Northern Mariana Islanders ; Saipan ;
MOZ ; Mozambique|Moçambique ; Mozambican|Mozambicans ; Maputo|Lourenço Marques|Lourenco Marques ; Ponta Vermelha
MRT ; Mauritania ; Mauritanian|Mauritanians ; Nouakchott ;
MSR ; Montserrat ; Montserratian|Montserratians ; Brades ;
MTQ ; Martinique ; Martinican|Martinicans|Martiniquais ; Fort-de-France ;
MUS ; Mauritius ; Mauritian|Mauritians ; Port Louis ;
MWI ; Malawi|Nyasaland ; Malawian|Malawians ; Lilongwe ;
MYS ; Malaysia ; Malaysian|Malaysians ; Kuala Lumpur|Putrajaya ; Seri Perdana|Perdana Putra
MYT ; Mayotte ; Mahoran|Mahorans|Mahorais ; Mamoudzou ;
NAM ; Namibia ; Namibian|Namibians ; Windhoek ;
NCL ; New Caledonia|Nouvelle-Calédonie|Kanaky ; New Caledonian|New Caledonians|Kanak|Kanaks ; Nouméa|Noumea ;
NER ; Niger|Republic of Niger ; Nigerien|Nigeriens ; Niamey ;
NFK ; Norfolk Island ; Norfolk Islander|Norfolk Islanders ; ;
NGA ; Nigeria ; Nigerian|Nigerians ; Abuja ; Aso Rock|Aso Villa|Aso Rock Villa
NIC ; Nicaragua ; Nicaraguan|Nicaraguans ; Managua ; El Carmen
NIU ; Niue ; Niuean|Niueans ; Alofi ;
NLD ; Netherlands|The Netherlands|Holland ; Dutch|Dutchman|Dutchmen|Netherlander|Netherlanders ; Amsterdam|The Hague|Den Haag ; Binnenhof|Catshuis
NOR ; Norway ; Norwegian|Norwegians ; Oslo|Christiania ;
NPL ; Nepal ; Nepali|Nepalis|Nepalese ; Kathmandu|Katmandu ; Singha Durbar|Sheetal Niwas
NRU ; Nauru ; Nauruan|Nauruans ; Yaren ;
NZL ; New Zealand|Aotearoa ; New Zealander|New Zealanders|Kiwi|Kiwis ; Wellington ; Beehive|The Beehive
OMN ; Oman ; Omani|Omanis ; Muscat ;
PAK ; Pakistan ; Pakistani|Pakistanis ; Islamabad ; Aiwan-e-Sadr
PAN ; Panama ; Panamanian|Panamanians ; Panama City|Ciudad de Panamá ; Palacio de las Garzas
PCN ; Pitcairn|Pitcairn Islands ; Pitcairn Islander|Pitcairn Islanders|Pitcairner|Pitcairners ; Adamstown ;
PER ; Peru|Perú ; Peruvian|Peruvians ; Lima ; Palacio de Gobierno|Casa de Pizarro
PHL ; Philippines|The Philippines ; Filipino|Filipinos|Filipina|Filipinas|Philippine ; Manila ; Malacañang|Malacanang|Malacañang Palace|Malacanang Palace
PLW ; Palau|Belau ; Palauan|Palauans ; Ngerulmud|Melekeok ;
PNG ; Papua New Guinea|PNG ; Papua New Guinean|Papua New Guineans ; Port Moresby ;
POL ; Poland|Polska ; Polish|Pole|Poles ; Warsaw|Warszawa ; Belweder|Belvedere Palace|KPRM
PRI ; Puerto Rico ; Puerto Rican|Puerto Ricans|Boricua ; San Juan ; La Fortaleza
PRK ; North Korea|DPRK|D.P.R.K.|Democratic People's Republic of Korea ; North Korean|North Koreans ; Pyongyang ;
PRT ; Portugal ; Portuguese ; Lisbon|Lisboa ; São Bento|Sao Bento|São Bento Palace|Belém Palace|Belem Palace
PRY ; Paraguay ; Paraguayan|Paraguayans ; Asunción|Asuncion ; Palacio de los López|Palacio de los Lopez
PSE ; Palestine|State of Palestine|Palestinian Territories|Palestinian territories|Occupied Palestinian Territories|Occupied Palestinian Territory|West Bank|Gaza|Gaza Strip ; Palestinian|Palestinians ; Ramallah ; Muqata|Muqataa|Mukataa
PYF ; French Polynesia|Polynésie française|Tahiti ; French Polynesian|French Polynesians|Tahitian|Tahitians ; Papeete ;
QAT ; Qatar ; Qatari|Qataris ; Doha ; Amiri Diwan
REU ; Réunion|Reunion|La Réunion ; Réunionese|Reunionese|Réunionnais ; ;
ROU ; Romania|Roumania ; Romanian|Romanians ; Bucharest|București|Bucuresti ; Cotroceni|Cotroceni Palace|Victoria Palace
RUS ; Russia|Russian Federation|Rossiya|USSR|U.S.S.R.|Soviet Union ; Russian|Russians|Soviet|Soviets ; Moscow|Moskva ; Kremlin|Smolensk Square
RWA ; Rwanda ; Rwandan|Rwandans|Rwandese ; Kigali ; Urugwiro Village|Village Urugwiro
SAU ; Saudi Arabia|Kingdom of Saudi Arabia|KSA ; Saudi|Saudis|Saudi Arabian|Saudi Arabians ; Riyadh|Riyad ; Al-Yamamah Palace|Al Yamamah Palace
SDN ; Sudan|The Sudan ; Sudanese ; Khartoum|Port Sudan ; Republican Palace
SEN ; Senegal ; Senegalese ; Dakar ;
SGP ; Singapore ; Singaporean|Singaporeans ; Singapore ; Istana
SGS ; South Georgia and the South Sandwich Islands|South Georgia ; ; King Edward Point ;
SHN ; Saint Helena|St Helena|St. Helena|Ascension Island|Tristan da Cunha ; Saint Helenian|Saint Helenians|St Helenian ; Jamestown ;
SJM ; Svalbard and Jan Mayen|Svalbard|Jan Mayen ; ; Longyearbyen ;
SLB ; Solomon Islands|Solomons ; Solomon Islander|Solomon Islanders ; Honiara ;
SLE ; Sierra Leone ; Sierra Leonean|Sierra Leoneans ; Freetown ;
SLV ; El Salvador ; Salvadoran|Salvadorans|Salvadorean|Salvadoreans|Salvadorian|Salvadorians ; San Salvador ;
SMR ; San Marino ; Sammarinese ; San Marino ;
SOM ; Somalia ; Somali|Somalis|Somalian|Somalians ; Mogadishu|Muqdisho|Mogadiscio ; Villa Somalia
SPM ; Saint Pierre and Miquelon|St. Pierre and Miquelon ; Saint-Pierrais|Miquelonnais ; Saint-Pierre ;
SRB ; Serbia|Srbija|Serbia and Montenegro|Federal Republic of Yugoslavia ; Serbian|Serbians|Serb|Serbs ; Belgrade|Beograd ;
SSD ; South Sudan ; South Sudanese ; Juba ; J1|J-1
STP ; Sao Tome and Principe|São Tomé and Príncipe|São Tomé|Sao Tome ; Santomean|Santomeans|São Toméan|Sao Tomean ; São Tomé|Sao Tome ;
SUR ; Suriname|Surinam ; Surinamese|Surinamer|Surinamers ; Paramaribo ;
SVK ; Slovakia|Slovak Republic ; Slovak|Slovaks|Slovakian|Slovakians ; Bratislava|Pressburg ; Grassalkovich Palace
SVN ; Slovenia ; Slovenian|Slovenians|Slovene|Slovenes ; Ljubljana ;
SWE ; Sweden|Sverige ; Swedish|Swede|Swedes ; Stockholm ; Rosenbad
SWZ ; Eswatini|Swaziland ; Swazi|Swazis|Emaswati ; Mbabane|Lobamba ;
SXM ; Sint Maarten ; Sint Maartener|Sint Maarteners ; Philipsburg ;
SYC ; Seychelles ; Seychellois ; ;
SYR ; Syria|Syrian Arab Republic ; Syrian|Syrians ; Damascus|Dimashq ; People's Palace|Qasr al-Shaab
TCA ; Turks and Caicos Islands|Turks and Caicos ; Turks and Caicos Islander|Turks and Caicos Islanders ; Cockburn Town ;
TCD ; Chad|Tchad ; Chadian|Chadians ; N'Djamena|N’Djamena|Ndjamena|N'Djaména|Fort-Lamy ; Palais Rose|Toumaï Palace
TGO ; Togo ; Togolese ; Lomé|Lome ;
THA ; Thailand|Siam ; Thai|Thais ; Bangkok|Krung Thep ;
TJK ; Tajikistan|Tadjikistan ; Tajik|Tajiks|Tajikistani|Tajikistanis|Tadjik|Tadzhik ; Dushanbe|Stalinabad ;
TKL ; Tokelau ; Tokelauan|Tokelauans ; ;
TKM ; Turkmenistan ; Turkmen|Turkmens|Turkmenistani ; Ashgabat|Ashkhabad|Asgabat|Ashgabad ; Oguzkhan Palace
TLS ; Timor-Leste|East Timor|Timor Leste ; Timorese|East Timorese ; Dili ;
TON ; Tonga ; Tongan|Tongans ; Nukuʻalofa|Nuku'alofa|Nukualofa ;
TTO ; Trinidad and Tobago|Trinidad & Tobago|Trinidad ; Trinidadian|Trinidadians|Tobagonian|Tobagonians ; Port of Spain|Port-of-Spain ;
TUN ; Tunisia ; Tunisian|Tunisians ; Tunis ; Carthage Palace
TUR ; Turkey|Türkiye|Turkiye ; Turkish|Turk|Turks ; Ankara|Angora ; Çankaya|Cankaya|Beştepe|Bestepe|Dolmabahçe|Dolmabahce
TUV ; Tuvalu ; Tuvaluan|Tuvaluans ; Funafuti ;
TWN ; Taiwan|Republic of China|ROC|R.O.C.|Formosa|Chinese Taipei ; Taiwanese ; Taipei|Taipeh ; Presidential Office Building
TZA ; Tanzania|United Republic of Tanzania ; Tanzanian|Tanzanians ; Dodoma|Dar es Salaam ; Chamwino
UGA ; Uganda ; Ugandan|Ugandans ; Kampala ; Nakasero
UKR ; Ukraine|The Ukraine ; Ukrainian|Ukrainians ; Kyiv|Kiev|Kyjiv ; Bankova|Bankova Street|Mariinskyi Palace|Mariinsky Palace
UMI ; United States Minor Outlying Islands|Wake Island|Midway Atoll ; ; ;
URY ; Uruguay ; Uruguayan|Uruguayans ; Montevideo ; Torre Ejecutiva
USA ; United States|United States of America|U.S.|US|USA|U.S.A.|America ; American|Americans ; Washington|Washington, D.C.|Washington D.C.|Washington DC ; White House|Oval Office|State Department|Foggy Bottom
UZB ; Uzbekistan ; Uzbek|Uzbeks|Uzbekistani|Uzbekistanis ; Tashkent|Toshkent ; Oqsaroy|Kuksaroy
VAT ; Holy See|Vatican|Vatican City|Vatican City State ; Papal|Pontifical ; Vatican City ; Apostolic Palace
VCT ; Saint Vincent and the Grenadines|St Vincent and the Grenadines|St. Vincent|Saint Vincent ; Vincentian|Vincentians ; Kingstown ;
VEN ; Venezuela|Bolivarian Republic of Venezuela ; Venezuelan|Venezuelans ; Caracas ; Miraflores|Miraflores Palace|Palacio de Miraflores
VGB ; British Virgin Islands|BVI ; British Virgin Islander|British Virgin Islanders ; Road Town ;
VIR ; U.S. Virgin Islands|US Virgin Islands|USVI|United States Virgin Islands ; Virgin Islander|Virgin Islanders ; Charlotte Amalie ;
VNM ; Vietnam|Viet Nam ; Vietnamese ; Hanoi|Ha Noi ; Ba Dinh
VUT ; Vanuatu|New Hebrides ; Ni-Vanuatu|Vanuatuan ; Port Vila ;
WLF ; Wallis and Futuna ; Wallisian|Futunan|Wallisians|Futunans ; Mata-Utu|Mata Utu ;
WSM ; Samoa|Western Samoa ; Samoan|Samoans ; Apia ;
XKX ; Kosovo|Republic of Kosovo|Kosova ; Kosovar|Kosovars|Kosovan|Kosovans ; Pristina|Prishtina|Priština|Prishtinë ;
YEM ; Yemen ; Yemeni|Yemenis ; Sanaa|Sana'a|Sana’a ; Maashiq Palace|Maasheeq Palace
ZAF ; South Africa|RSA ; South African|South Africans ; Pretoria|Tshwane|Cape Town|Bloemfontein ; Union Buildings|Tuynhuys|Mahlamba Ndlopfu
ZMB ; Zambia|Northern Rhodesia ; Zambian|Zambians ; Lusaka ;
ZWE ; Zimbabwe|Rhodesia ; Zimbabwean|Zimbabweans ; Harare|Salisbury ; Munhumutapa Building
"""


def parse_hand() -> dict[str, list[list[str]]]:
    rows: dict[str, list[list[str]]] = {}
    for line in HAND.strip().splitlines():
        cols = [c.strip() for c in line.split(";")]
        while len(cols) < 5:
            cols.append("")
        if len(cols) != 5:
            raise SystemExit(f"bad hand row: {line!r}")
        code, *fields = cols
        if code in rows:
            raise SystemExit(f"duplicate hand row: {code}")
        rows[code] = [[v for v in (f.split("|") if f else []) if v] for f in fields]
    return rows


def uniq(seq):
    seen, out = set(), []
    for s in seq:
        if s and s not in seen:
            seen.add(s)
            out.append(s)
    return out


# "Korea, Republic of", "Virgin Islands, U.S." ...: catalogue order, never written in news.
INVERTED = re.compile(r", (the |The )?(\S+ )*(of|of the)$|, (British|U\.S\.)$|^Taiwan, Province")


def auto_aliases(country) -> list[str]:
    """pycountry's own names, minus inverted ("Korea, Republic of") and bracketed forms."""
    names = []
    for attr in ("name", "common_name", "official_name"):
        value = getattr(country, attr, None)
        if not value:
            continue
        value = re.sub(r"^the ", "", value)
        if "(" in value or INVERTED.search(value):
            continue
        names.append(value)
    return names


def build_rows() -> list[list[str]]:
    hand = parse_hand()
    entries = [(c.alpha_3, c) for c in pycountry.countries] + [("XKX", None)]
    missing = [code for code, _ in entries if code not in hand]
    extra = set(hand) - {code for code, _ in entries}
    if missing or extra:
        raise SystemExit(f"hand table out of step with pycountry: missing={missing} extra={sorted(extra)}")
    rows = []
    for code, country in sorted(entries, key=lambda e: e[0]):
        aliases, demonyms, capitals, seats = hand[code]
        if country is None:
            name = "Kosovo"
            auto = []
        else:
            name = NAME_OVERRIDES.get(code) or getattr(country, "common_name", None) or country.name
            auto = [a for a in auto_aliases(country) if a not in SKIP_AUTO_ALIASES.get(code, set())]
        all_aliases = uniq([name, *aliases, *auto])
        rows.append([code, name, "|".join(all_aliases), "|".join(uniq(demonyms)),
                     "|".join(uniq(capitals)), "|".join(uniq(seats))])
    return rows


def main() -> None:
    rows = build_rows()
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER_COMMENT + "\n")
        fh.write("alpha3\tname\taliases\tdemonyms\tcapitals\tseats\n")
        for row in rows:
            if any("\t" in f or "\n" in f for f in row):
                raise SystemExit(f"tab or newline inside a field: {row}")
            fh.write("\t".join(row) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
