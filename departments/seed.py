"""A realistic part of Seoul's organisation (실국본부 → 과), for `manage.py seed`."""

# (bureau code, 국문, English, [(division code, 국문, English), …])
ORG_CHART = [
    ("mayor", "시장실", "Office of the Mayor", [
        ("mayor-secretariat", "비서실", "Mayor's Secretariat"),
    ]),
    ("communication", "시민소통기획관", "Citizen Communication Bureau", [
        ("new-media", "뉴미디어담당관", "New Media Division (SMC desk)"),
        ("citizen-communication", "시민소통담당관", "Citizen Communication Division"),
        ("press", "언론담당관", "Press Division"),
    ]),
    ("transport", "도시교통실", "Urban Transportation Office", [
        ("transport-policy", "교통정책과", "Transportation Policy Division"),
        ("bus-policy", "버스정책과", "Bus Policy Division"),
        ("taxi-logistics", "택시물류과", "Taxi and Logistics Division"),
        ("parking", "주차계획과", "Parking Planning Division"),
        ("traffic-operation", "교통운영과", "Traffic Operation Division"),
        ("pedestrian", "보행정책과", "Pedestrian Policy Division"),
    ]),
    ("safety", "안전총괄실", "Safety Management Office", [
        ("safety-general", "안전총괄과", "Safety General Affairs Division"),
        ("road-management", "도로관리과", "Road Management Division (snow removal)"),
        ("disaster-safety", "재난안전정책과", "Disaster Safety Policy Division"),
        ("facility-safety", "시설안전과", "Facility Safety Division"),
    ]),
    ("fire", "소방재난본부", "Fire and Disaster Headquarters", [
        ("disaster-response", "재난대응과", "Disaster Response Division"),
    ]),
    ("housing", "주택정책실", "Housing Policy Office", [
        ("housing-policy", "주택정책과", "Housing Policy Division"),
        ("public-housing", "공공주택과", "Public Housing Division"),
        ("rental-support", "전월세지원과", "Rental Support Division"),
        ("building-planning", "건축기획과", "Architecture Planning Division"),
    ]),
    ("culture", "문화본부", "Culture Headquarters", [
        ("culture-policy", "문화정책과", "Culture Policy Division"),
        ("arts", "문화예술과", "Arts Division"),
        ("museums", "박물관과", "Museums Division"),
    ]),
    ("tourism", "관광체육국", "Tourism and Sports Bureau", [
        ("tourism-policy", "관광정책과", "Tourism Policy Division"),
        ("sports-policy", "체육정책과", "Sports Policy Division"),
    ]),
    ("welfare", "복지정책실", "Welfare Policy Office", [
        ("welfare-policy", "복지정책과", "Welfare Policy Division"),
        ("senior-welfare", "노인복지과", "Senior Welfare Division"),
        ("disability-welfare", "장애인복지정책과", "Disability Welfare Policy Division"),
        ("childcare", "보육정책과", "Childcare Policy Division"),
    ]),
    ("environment", "기후환경본부", "Climate and Environment Headquarters", [
        ("environment-policy", "환경정책과", "Environment Policy Division"),
        ("air-quality", "대기정책과", "Air Quality Policy Division"),
        ("resource-circulation", "자원순환과", "Resource Circulation Division"),
        ("green-energy", "녹색에너지과", "Green Energy Division"),
    ]),
    ("parks", "푸른도시국", "Parks and Landscape Bureau", [
        ("parks", "공원조성과", "Parks Division"),
    ]),
    ("water", "물순환안전국", "Water Circulation Safety Bureau", [
        ("rivers", "하천관리과", "River Management Division"),
    ]),
    ("economy", "경제정책실", "Economic Policy Office", [
        ("economy-policy", "경제정책과", "Economic Policy Division"),
        ("jobs", "일자리정책과", "Job Policy Division"),
        ("small-business", "소상공인정책과", "Small Business Policy Division"),
    ]),
    ("administration", "행정국", "Administration Bureau", [
        ("general-affairs", "총무과", "General Affairs Division"),
        ("local-autonomy", "자치행정과", "Local Autonomy Division"),
    ]),
]

SMC_DESK_CODE = "new-media"
