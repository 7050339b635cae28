"""The 44 accounts of the 2012 Social Media Center (42 of the city, 2 of the mayor) and the city's
accounts on today's platforms (Instagram, YouTube, the KakaoTalk channel).

(platform, handle, display name, owner division code, field, district, is_mayor, followers)
Handles are illustrative; me2day closed in 2014, so its accounts are retired.
"""

X, FB, ME = "x", "facebook", "me2day"
IG, YT, KAKAO = "instagram", "youtube", "kakao"

ACCOUNTS = [
    # The mayor's two accounts.
    (X, "seoul_mayor", "서울시장", "mayor-secretariat", "general", "", True, 300000),
    (FB, "seoul.mayor", "서울시장", "mayor-secretariat", "general", "", True, 98000),
    # X (트위터): 18 city accounts.
    (X, "seoulmania", "서울특별시", "new-media", "general", "", False, 120000),
    (X, "seoul_news", "서울시 보도자료", "press", "general", "", False, 21000),
    (X, "seoul_traffic", "서울교통정보", "transport-policy", "transport", "", False, 34000),
    (X, "seoul_bus", "서울버스", "bus-policy", "transport", "", False, 12000),
    (X, "seoul_parking", "서울 주차정보", "parking", "transport", "", False, 3100),
    (X, "seoul_safety", "서울안전", "safety-general", "safety", "", False, 15000),
    (X, "seoul_road", "서울 도로·제설", "road-management", "safety", "", False, 8200),
    (X, "seoul_119", "서울소방", "disaster-response", "safety", "", False, 19000),
    (X, "seoul_housing", "서울주택", "housing-policy", "housing", "", False, 6400),
    (X, "seoul_culture", "서울문화", "culture-policy", "culture", "", False, 11000),
    (X, "visitseoul", "Visit Seoul", "tourism-policy", "culture", "", False, 17000),
    (X, "seoul_welfare", "서울복지", "welfare-policy", "welfare", "", False, 5200),
    (X, "seoul_green", "서울환경", "environment-policy", "environment", "", False, 7300),
    (X, "seoul_air", "서울 대기질", "air-quality", "environment", "", False, 4100),
    (X, "seoul_jobs", "서울일자리", "jobs", "economy", "", False, 9800),
    (X, "seoul_jongno", "서울시 종로 소식", "local-autonomy", "district", "종로구", False, 1800),
    (X, "seoul_mapo", "서울시 마포 소식", "local-autonomy", "district", "마포구", False, 1600),
    (X, "seoul_gangnam", "서울시 강남 소식", "local-autonomy", "district", "강남구", False, 2100),
    # Facebook (페이스북): 14 city pages.
    (FB, "seoul.city", "서울특별시", "new-media", "general", "", False, 65000),
    (FB, "seoul.traffic", "서울교통", "transport-policy", "transport", "", False, 9000),
    (FB, "seoul.pedestrian", "걷는도시 서울", "pedestrian", "transport", "", False, 2500),
    (FB, "seoul.safety", "서울안전", "safety-general", "safety", "", False, 4800),
    (FB, "seoul.housing", "서울주택", "housing-policy", "housing", "", False, 3900),
    (FB, "seoul.rent", "서울 전월세 지원", "rental-support", "housing", "", False, 2200),
    (FB, "seoul.culture", "서울문화", "culture-policy", "culture", "", False, 8800),
    (FB, "seoul.museum", "서울역사박물관", "museums", "culture", "", False, 5600),
    (FB, "visitseoul.fb", "Visit Seoul", "tourism-policy", "culture", "", False, 14000),
    (FB, "seoul.welfare", "서울복지", "welfare-policy", "welfare", "", False, 3300),
    (FB, "seoul.senior", "서울 어르신", "senior-welfare", "welfare", "", False, 1400),
    (FB, "seoul.green", "서울환경", "environment-policy", "environment", "", False, 4200),
    (FB, "seoul.parks", "서울의 공원", "parks", "environment", "", False, 6100),
    (FB, "seoul.smallbiz", "서울 소상공인", "small-business", "economy", "", False, 2700),
    # me2day (미투데이): 10 city accounts, retired since the service closed in 2014.
    (ME, "seoulcity", "서울특별시", "new-media", "general", "", False, 9000),
    (ME, "seoul_traffic", "서울교통", "transport-policy", "transport", "", False, 2100),
    (ME, "seoul_safety", "서울안전", "safety-general", "safety", "", False, 1200),
    (ME, "seoul_housing", "서울주택", "housing-policy", "housing", "", False, 700),
    (ME, "seoul_culture", "서울문화", "culture-policy", "culture", "", False, 1900),
    (ME, "seoul_welfare", "서울복지", "welfare-policy", "welfare", "", False, 800),
    (ME, "seoul_green", "서울환경", "environment-policy", "environment", "", False, 900),
    (ME, "seoul_jobs", "서울일자리", "jobs", "economy", "", False, 1100),
    (ME, "seoul_river", "한강사업본부", "rivers", "environment", "", False, 1500),
    (ME, "seoul_sports", "서울체육", "sports-policy", "culture", "", False, 600),
]

# Today's platforms (issue 29): SMC of today also takes in and answers what citizens write on the city's
# Instagram, YouTube and KakaoTalk channel. The handles are ILLUSTRATIVE (not checked against the
# platforms), as are the followers; correct them in the registry or by CSV import.
TODAY_ACCOUNTS = [
    # The city's KakaoTalk channel (카카오톡 채널), answered through its Open Builder chatbot
    # (messages_app.kakao): no follower figure is published for it.
    (KAKAO, "_seoulcity", "서울특별시", "new-media", "general", "", False, 0),
    (IG, "seoul_official", "서울특별시", "new-media", "general", "", False, 210000),
    (IG, "visitseoul_official", "Visit Seoul", "tourism-policy", "culture", "", False, 150000),
    (YT, "seoullove", "서울시", "new-media", "general", "", False, 200000),
]

# English names shown in English mode, by the Korean display name above (one name, many platforms).
# The city's own English names where it has one (Seoul Metropolitan Government, Seoul Museum of
# History, Visit Seoul, Hangang Project Headquarters); otherwise a faithful translation.
NAMES_EN = {
    "서울시장": "Mayor of Seoul",
    "서울특별시": "Seoul Metropolitan Government",
    "서울시": "Seoul Metropolitan Government",
    "서울시 보도자료": "Seoul Press Releases",
    "서울교통정보": "Seoul Traffic Information",
    "서울버스": "Seoul Bus",
    "서울 주차정보": "Seoul Parking Information",
    "서울안전": "Seoul Safety",
    "서울 도로·제설": "Seoul Roads and Snow Removal",
    "서울소방": "Seoul Fire & Disaster Headquarters",
    "서울주택": "Seoul Housing",
    "서울문화": "Seoul Culture",
    "Visit Seoul": "Visit Seoul",
    "서울복지": "Seoul Welfare",
    "서울환경": "Seoul Environment",
    "서울 대기질": "Seoul Air Quality",
    "서울일자리": "Seoul Jobs",
    "서울시 종로 소식": "Seoul City News: Jongno",
    "서울시 마포 소식": "Seoul City News: Mapo",
    "서울시 강남 소식": "Seoul City News: Gangnam",
    "서울교통": "Seoul Transport",
    "걷는도시 서울": "Walkable City Seoul",
    "서울 전월세 지원": "Seoul Rent Support",
    "서울역사박물관": "Seoul Museum of History",
    "서울 어르신": "Seoul Seniors",
    "서울의 공원": "Parks of Seoul",
    "서울 소상공인": "Seoul Small Business",
    "한강사업본부": "Hangang Project Headquarters",
    "서울체육": "Seoul Sports",
}

# The 25 district offices' main accounts: on the SNS map, never polled (SMC does not answer for them).
# (platform, handle, district, followers). The handles follow the offices' usual page names but are
# ILLUSTRATIVE, not checked against the platforms; correct them in the registry or by CSV import.
DISTRICT_OFFICES = [
    (FB, "jongnogu", "종로구", 21000), (FB, "junggu.seoul", "중구", 18000), (FB, "yongsangu", "용산구", 16000),
    (FB, "sdgu", "성동구", 24000), (FB, "gwangjingu", "광진구", 15000), (FB, "ddmgu", "동대문구", 14000),
    (FB, "jungnanggu", "중랑구", 12000), (FB, "seongbukgu", "성북구", 17000), (FB, "gangbukgu", "강북구", 11000),
    (FB, "dobonggu", "도봉구", 10000), (FB, "nowongu", "노원구", 19000), (FB, "eunpyeonggu", "은평구", 16000),
    (FB, "sdmgu", "서대문구", 13000), (FB, "mapogu", "마포구", 22000), (FB, "yangcheongu", "양천구", 15000),
    (FB, "gangseogu", "강서구", 18000), (FB, "gurogu", "구로구", 12000), (FB, "geumcheongu", "금천구", 9000),
    (FB, "ydpgu", "영등포구", 14000), (FB, "dongjakgu", "동작구", 13000), (FB, "gwanakgu", "관악구", 17000),
    (FB, "seochogu", "서초구", 20000), (FB, "gangnamgu", "강남구", 30000), (FB, "songpagu", "송파구", 25000),
    (FB, "gangdonggu", "강동구", 16000),
]
# The city division that keeps in touch with the district offices.
DISTRICT_OFFICE_DIVISION = "local-autonomy"

PROFILE_URLS = {
    X: "https://x.com/{handle}",
    FB: "https://www.facebook.com/{handle}",
    ME: "http://me2day.net/{handle}",
    KAKAO: "https://pf.kakao.com/{handle}",
    IG: "https://www.instagram.com/{handle}/",
    YT: "https://www.youtube.com/@{handle}",
}
