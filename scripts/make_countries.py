"""Write src/chronicle/data/countries.tsv.

The row set and the official names come from pycountry (plus Kosovo, XKX, which
ISO has not assigned but news treats as a state). Everything pycountry does not
know -- the short names news actually uses, demonyms, capitals with their
older spellings, metonyms for a government's seat, and the conventional centre
point of each country -- is the hand-written tables below.

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
    "is also the government, sector GOV). A form belongs to one country only. "
    "lat and lon are the country's conventional centre point, written by hand from general "
    "geographic knowledge (where gazetteers such as GeoNames put the country, else roughly the "
    "centre of its main territory), two decimals."
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

# Conventional centre points, written by hand from the developers' knowledge (not copied from a
# dataset): the point gazetteers such as GeoNames put a country at where we know it, otherwise the
# approximate centre of the main territory; two decimals, degrees north and east.
CENTRES = r"""
ABW 12.52 -69.97; AFG 33.00 66.00; AGO -12.50 18.50; AIA 18.22 -63.05; ALA 60.25 20.00
ALB 41.00 20.00; AND 42.55 1.58; ARE 24.00 54.00; ARG -34.00 -64.00; ARM 40.25 45.00
ASM -14.33 -170.00; ATA -78.00 16.00; ATF -49.25 69.17; ATG 17.05 -61.80; AUS -25.00 135.00
AUT 47.33 13.33; AZE 40.50 47.50; BDI -3.50 30.00; BEL 50.75 4.50; BEN 9.50 2.25
BES 12.18 -68.25; BFA 12.50 -1.67; BGD 24.00 90.00; BGR 42.67 25.25; BHR 26.03 50.55
BHS 24.25 -76.00; BIH 44.25 17.83; BLM 17.90 -62.83; BLR 53.00 28.00; BLZ 17.25 -88.75
BMU 32.33 -64.75; BOL -17.00 -65.00; BRA -10.00 -55.00; BRB 13.17 -59.53; BRN 4.50 114.67
BTN 27.50 90.50; BVT -54.43 3.40; BWA -22.00 24.00; CAF 7.00 21.00; CAN 60.11 -113.64
CCK -12.17 96.83; CHE 47.00 8.01; CHL -30.00 -71.00; CHN 35.00 105.00; CIV 8.00 -5.50
CMR 6.00 12.50; COD -2.50 23.50; COG -1.00 15.50; COK -21.23 -159.78; COL 4.00 -73.25
COM -12.23 44.45; CPV 16.00 -24.00; CRI 10.00 -84.00; CUB 22.00 -79.50; CUW 12.17 -69.00
CXR -10.50 105.67; CYM 19.50 -80.67; CYP 35.00 33.00; CZE 49.75 15.00; DEU 51.50 10.50
DJI 11.80 42.50; DMA 15.50 -61.33; DNK 56.00 10.00; DOM 19.00 -70.67; DZA 28.00 3.00
ECU -1.25 -78.25; EGY 27.00 30.00; ERI 15.00 39.00; ESH 24.50 -13.00; ESP 40.00 -4.00
EST 59.00 26.00; ETH 9.00 39.50; FIN 64.00 26.00; FJI -18.00 178.00; FLK -51.75 -59.17
FRA 46.00 2.00; FRO 62.00 -7.00; FSM 6.92 158.18; GAB -1.00 11.75; GBR 54.76 -2.70
GEO 42.00 43.50; GGY 49.58 -2.33; GHA 8.10 -1.20; GIB 36.14 -5.35; GIN 10.83 -10.67
GLP 16.25 -61.58; GMB 13.50 -15.50; GNB 12.00 -15.00; GNQ 1.70 10.50; GRC 39.00 22.00
GRD 12.12 -61.67; GRL 72.00 -40.00; GTM 15.50 -90.25; GUF 4.00 -53.00; GUM 13.44 144.74
GUY 5.00 -59.00; HKG 22.29 114.16; HMD -53.10 73.50; HND 15.00 -86.50; HRV 45.17 15.50
HTI 19.00 -72.42; HUN 47.00 20.00; IDN -5.00 120.00; IMN 54.25 -4.50; IND 22.00 79.00
IOT -6.00 71.50; IRL 53.00 -8.00; IRN 32.00 53.00; IRQ 33.00 44.00; ISL 65.00 -18.00
ISR 31.50 34.75; ITA 42.83 12.83; JAM 18.17 -77.50; JEY 49.21 -2.13; JOR 31.00 36.00
JPN 36.00 138.50; KAZ 48.00 68.00; KEN 1.00 38.00; KGZ 41.50 75.00; KHM 13.00 105.00
KIR 1.42 173.00; KNA 17.33 -62.75; KOR 36.50 127.75; KWT 29.50 47.75; LAO 18.00 105.00
LBN 33.83 35.83; LBR 6.50 -9.50; LBY 28.00 17.00; LCA 13.88 -60.97; LIE 47.17 9.53
LKA 7.75 80.75; LSO -29.50 28.25; LTU 56.00 24.00; LUX 49.75 6.17; LVA 57.00 25.00
MAC 22.17 113.55; MAF 18.08 -63.05; MAR 32.00 -6.00; MCO 43.73 7.42; MDA 47.00 29.00
MDG -20.00 47.00; MDV 3.20 73.00; MEX 23.00 -102.00; MHL 9.00 168.00; MKD 41.67 21.75
MLI 17.00 -4.00; MLT 35.92 14.43; MMR 21.50 96.00; MNE 42.75 19.25; MNG 46.00 105.00
MNP 15.20 145.75; MOZ -18.25 35.00; MRT 20.25 -10.50; MSR 16.75 -62.20; MTQ 14.67 -61.00
MUS -20.30 57.58; MWI -13.50 34.00; MYS 2.50 112.50; MYT -12.83 45.17; NAM -22.00 17.00
NCL -21.50 165.50; NER 17.50 9.00; NFK -29.03 167.95; NGA 10.00 8.00; NIC 13.00 -85.00
NIU -19.05 -169.87; NLD 52.25 5.75; NOR 62.00 10.00; NPL 28.00 84.00; NRU -0.53 166.92
NZL -42.00 174.00; OMN 21.00 57.00; PAK 30.00 70.00; PAN 9.00 -80.00; PCN -25.07 -130.10
PER -10.00 -76.00; PHL 13.00 122.00; PLW 7.50 134.50; PNG -6.00 147.00; POL 52.00 20.00
PRI 18.25 -66.50; PRK 40.00 127.00; PRT 39.50 -8.00; PRY -23.00 -58.00; PSE 31.90 35.20
PYF -17.65 -149.45; QAT 25.50 51.25; REU -21.10 55.60; ROU 46.00 25.00; RUS 60.00 100.00
RWA -2.00 30.00; SAU 25.00 45.00; SDN 15.50 30.00; SEN 14.50 -14.25; SGP 1.37 103.80
SGS -54.50 -37.00; SHN -15.95 -5.70; SJM 78.00 20.00; SLB -8.00 159.00; SLE 8.50 -11.50
SLV 13.83 -88.92; SMR 43.93 12.45; SOM 6.00 47.00; SPM 46.83 -56.33; SRB 44.00 21.00
SSD 7.50 30.00; STP 0.25 6.60; SUR 4.00 -56.00; SVK 48.67 19.50; SVN 46.25 15.17
SWE 62.00 15.00; SWZ -26.50 31.50; SXM 18.03 -63.07; SYC -4.58 55.67; SYR 35.00 38.00
TCA 21.75 -71.58; TCD 15.00 19.00; TGO 8.00 1.17; THA 15.00 100.00; TJK 39.00 71.00
TKL -9.00 -171.75; TKM 40.00 60.00; TLS -8.83 125.75; TON -20.00 -175.00; TTO 10.50 -61.25
TUN 34.00 9.00; TUR 39.00 35.00; TUV -8.00 178.00; TWN 23.75 121.00; TZA -6.00 35.00
UGA 1.25 32.50; UKR 49.00 32.00; UMI 19.28 166.65; URY -33.00 -56.00; USA 39.76 -98.50
UZB 41.00 64.00; VAT 41.90 12.45; VCT 13.25 -61.20; VEN 8.00 -66.00; VGB 18.50 -64.50
VIR 18.34 -64.83; VNM 16.17 107.83; VUT -16.00 167.00; WLF -13.30 -176.20; WSM -13.80 -172.10
XKX 42.58 21.00; YEM 15.50 47.50; ZAF -29.00 24.00; ZMB -14.00 28.00; ZWE -19.00 29.75
"""


def parse_centres() -> dict[str, tuple[str, str]]:
    centres: dict[str, tuple[str, str]] = {}
    for item in CENTRES.replace("\n", ";").split(";"):
        if not item.strip():
            continue
        code, lat, lon = item.split()
        if code in centres:
            raise SystemExit(f"duplicate centre: {code}")
        if not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
            raise SystemExit(f"centre out of range: {item!r}")
        centres[code] = (f"{float(lat):.2f}", f"{float(lon):.2f}")
    return centres


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
    centres = parse_centres()
    entries = [(c.alpha_3, c) for c in pycountry.countries] + [("XKX", None)]
    missing = [code for code, _ in entries if code not in hand]
    extra = set(hand) - {code for code, _ in entries}
    missing += [code for code, _ in entries if code not in centres]
    extra |= set(centres) - {code for code, _ in entries}
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
                     "|".join(uniq(capitals)), "|".join(uniq(seats)), *centres[code]])
    return rows


def main() -> None:
    rows = build_rows()
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER_COMMENT + "\n")
        fh.write("alpha3\tname\taliases\tdemonyms\tcapitals\tseats\tlat\tlon\n")
        for row in rows:
            if any("\t" in f or "\n" in f for f in row):
                raise SystemExit(f"tab or newline inside a field: {row}")
            fh.write("\t".join(row) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
