"""Templates and slot values for the demo simulator's Korean citizen messages.

Each template is (type, topic, text) with {slots}; a message is one template with its slots filled,
sometimes a hashtag or emoji added, sometimes a typo or lost spacing, as people really write.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class SimulatedMessage:
    text: str
    type: str
    topic: str
    template: int
    author_handle: str
    author_name: str


S, C, O = "support", "complaint", "opinion"  # noqa: E741

TEMPLATES: list[tuple[str, str, str]] = [
    # 교통 transport
    (C, "transport", "{bus}번 버스 배차 간격이 너무 길어요. {time}에 {minutes}분 기다렸습니다 {angry}"),
    (C, "transport", "{station} 에스컬레이터 또 고장났네요. 벌써 {days}일째입니다. 언제 고쳐지나요?"),
    (C, "transport", "{bus}번 기사님이 정류장 그냥 지나쳤어요 ㅡㅡ {place} 정류장, {time}쯤이었습니다"),
    (C, "transport", "{place} 사거리 신호가 너무 짧아서 어르신들이 다 못 건너세요. 신호 시간 늘려주세요"),
    (C, "transport", "지하철 {subway} 냉방 너무 세요 🥶 약냉방칸 좀 늘려주세요"),
    (C, "transport", "{place} 앞 불법주차 때문에 버스가 못 들어와요. 단속 좀 해주세요 {angry}"),
    (S, "transport", "따릉이 덕분에 출퇴근이 즐거워졌어요 🚲 {place}에 대여소 생겨서 너무 좋아요!"),
    (S, "transport", "{bus}번 버스 기사님 너무 친절하셨어요. 칭찬해 주세요 {happy}"),
    (O, "transport", "심야버스 노선이 {place}까지 연장되면 좋겠다"),
    (O, "transport", "{station}역 환승 통로 너무 복잡함... 안내 표지판 좀 크게 해주면 좋을 듯"),
    (C, "transport", "택시 승차거부 당했어요. {place}에서 {time}에요. 신고는 어디로 하나요?"),
    (O, "transport", "기후동행카드 정말 괜찮은데 {district}에서 경기도 넘어갈 때도 쓸 수 있으면 좋겠어요"),
    # 도시안전 safety
    (C, "safety", "{place} 골목 가로등이 꺼져 있어서 밤에 너무 무서워요 {sad} 확인 부탁드립니다"),
    (C, "safety", "{place} 앞 보도블록이 깨져서 넘어질 뻔했어요. 빨리 보수해 주세요"),
    (C, "safety", "{district} {place} 근처 맨홀 뚜껑이 들려 있어요!! 위험합니다 {angry}"),
    (C, "safety", "비 오면 {place} 지하차도 항상 물 차요. 올여름 장마 전에 대책 있나요?"),
    (C, "safety", "{school} 앞 스쿨존에서 과속하는 차 너무 많아요. 단속 카메라 설치해 주세요"),
    (S, "safety", "어제 {place} 화재 때 소방관분들 정말 고생하셨습니다 🙏 감사합니다"),
    (S, "safety", "폭설 때 {place} 제설 빨리 해주셔서 감사해요 ❄️ 출근길 안전했어요"),
    (O, "safety", "재난문자 너무 자주 오는데 {district} 주민한테만 보내면 안 되나"),
    (C, "safety", "{place} 공사장 가림막이 쓰러질 것 같아요 사진 첨부합니다 #안전신고"),
    (O, "safety", "{park}에 CCTV 좀 더 있었으면 좋겠어요. 밤에 산책하기 불안해요"),
    (C, "safety", "싱크홀 같은 게 {place} 도로에 생겼어요 ㄷㄷ 빨리 와주세요"),
    (C, "safety", "{place} 킥보드 인도 주행 너무 많음. 애들 다칠까봐 무서워요 {sad}"),
    # 주택 housing
    (C, "housing", "전세사기 피해자입니다. {district} 전세피해지원센터 상담 예약이 안 돼요 {sad}"),
    (C, "housing", "청년 월세 지원 신청했는데 {weeks}주째 결과가 안 나와요. 언제 나오나요?"),
    (O, "housing", "공공임대 {district}에도 더 지어주세요. 신혼부부 당첨 너무 어려워요"),
    (C, "housing", "{place} 재개발 구역 빈집에 쓰레기가 쌓여서 냄새 나요"),
    (S, "housing", "장기전세주택 당첨됐어요!! 서울시 고맙습니다 {happy} #장기전세"),
    (C, "housing", "집주인이 보증금을 안 돌려줘요. 서울시에서 도와줄 수 있는 게 있나요?"),
    (O, "housing", "반지하 주택 대책 발표한 거 실제로 진행되고 있는지 궁금합니다"),
    (C, "housing", "{district} 임대아파트 엘리베이터 점검 너무 오래 걸려요 계단으로 {floor}층 다녀요"),
    (O, "housing", "청년안심주택 입주 조건 좀 완화해줬으면... 소득 기준 너무 빡빡함"),
    (S, "housing", "집수리 지원사업 덕분에 겨울에 안 춥게 지냈어요. 감사합니다 🏠"),
    (C, "housing", "층간소음 때문에 잠을 못 자요. {district} 층간소음 상담센터 연결이 안 됩니다"),
    (O, "housing", "빈집 활용해서 청년 공유주택 만들면 어때요?"),
    # 문화 culture
    (S, "culture", "{event} 정말 좋았어요! 내년에도 꼭 해주세요 {happy}"),
    (S, "culture", "{park}에서 하는 주말 공연 최고예요 🎶 가족이랑 또 갈게요"),
    (C, "culture", "{event} 예약 사이트가 계속 튕겨요 {angry} 서버 좀 늘려주세요"),
    (C, "culture", "{event} 끝나고 쓰레기가 너무 많았어요. 관리 좀 해주세요"),
    (O, "culture", "서울도서관 주말에 좀 더 늦게까지 열면 좋겠어요"),
    (O, "culture", "외국인 친구가 {place} 안내판에 영어가 없다고 하네요. Please add English signs!"),
    (S, "culture", "서울야외도서관 덕분에 책 읽는 습관 생겼어요 📚 #책읽는서울광장"),
    (C, "culture", "{place} 문화센터 강좌 신청이 1분 만에 마감돼요. 추첨제로 바꿔주세요"),
    (O, "culture", "한강 불꽃축제 때 {station}역 무정차 통과 미리 알려주세요"),
    (S, "culture", "Visit Seoul 앱으로 {event} 정보 잘 봤어요 thank you Seoul 👍"),
    (O, "culture", "{district}에도 미술관 하나 있었으면... 너무 멀어요"),
    (C, "culture", "{park} 야외무대 소음 때문에 밤 10시 넘어서까지 시끄러워요"),
    # 복지 welfare
    (C, "welfare", "기초연금 신청했는데 {district} 주민센터에서 서류가 또 필요하대요. 한 번에 알려주세요"),
    (S, "welfare", "{district} 돌봄SOS 덕분에 어머니가 식사 지원 받고 계세요. 정말 감사합니다 🙏"),
    (C, "welfare", "어린이집 대기가 {months}개월째예요. {district} 국공립 어린이집 늘려주세요 {sad}"),
    (O, "welfare", "서울형 키즈카페 {district}에도 생기면 좋겠어요"),
    (C, "welfare", "장애인 콜택시 예약하면 {minutes}분 넘게 기다려요. 차량 좀 늘려주세요"),
    (S, "welfare", "무더위쉼터 운영해 주셔서 감사해요. {place} 쉼터 시원하고 좋았어요 ☀️"),
    (C, "welfare", "독거 어르신 안부 확인 전화가 요즘 안 온대요. 확인 부탁드립니다"),
    (O, "welfare", "엄마아빠택시 지원 대상 좀 넓혀주세요. 둘째 있는 집도요"),
    (C, "welfare", "{district} 노인복지관 점심 급식 인원이 너무 적어요. 일찍 가도 마감이에요"),
    (S, "welfare", "서울런 덕분에 아이가 인강 무료로 듣고 있어요 감사합니다 {happy}"),
    (O, "welfare", "손목닥터 9988 포인트 사용처 좀 늘려주세요~"),
    (C, "welfare", "긴급복지 신청 방법 알려주세요. 실직해서 월세가 밀렸어요 {sad}"),
    # 환경 environment
    (C, "environment", "{place} 쓰레기 무단투기 너무 심해요 {angry} 냄새 때문에 창문을 못 열어요"),
    (C, "environment", "미세먼지 경보 문자가 안 왔어요. {district} 주민인데 왜 안 오나요?"),
    (O, "environment", "{park}에 나무 그늘 좀 더 만들어주세요. 여름에 너무 뜨거워요 🌳"),
    (S, "environment", "{park} 정원 너무 예쁘게 꾸며주셨네요 🌸 #서울정원"),
    (C, "environment", "{place} 음식물쓰레기 수거가 {days}일째 안 되고 있어요"),
    (C, "environment", "한강 {park} 러브버그 너무 많아요 ㅠㅠ 방제 좀 해주세요"),
    (O, "environment", "일회용컵 보증금제 서울 전체로 하면 좋겠네요"),
    (C, "environment", "{place} 공사 소음이 아침 7시부터 나요. 규정 위반 아닌가요?"),
    (S, "environment", "자원순환센터에서 폐건전지 교환해 주는 거 좋아요 🔋"),
    (O, "environment", "{district} 하천에 물고기 돌아왔다던데 산책로도 정비해 주세요"),
    (C, "environment", "{place} 하수구 냄새가 심해요. 여름마다 반복됩니다"),
    (O, "environment", "전기차 충전소가 {district}에 너무 부족해요 ⚡"),
    # 경제 economy
    (C, "economy", "서울사랑상품권 구매가 또 1분 만에 끝났어요 {angry} 소상공인도 어렵다는데"),
    (O, "economy", "{place} 전통시장 주차장 좀 만들어주세요. 장 보러 가기 힘들어요"),
    (S, "economy", "청년취업사관학교 수료하고 취업했어요!! 감사합니다 {happy} #서울일자리"),
    (C, "economy", "소상공인 지원금 신청했는데 {weeks}주째 연락이 없어요"),
    (O, "economy", "{district} 상권 공실이 너무 많아요. 임대료 지원 같은 거 없나요?"),
    (C, "economy", "서울일자리포털 로그인이 계속 안 돼요 ㅠ"),
    (S, "economy", "{place} 골목상권 축제 덕분에 손님 많이 왔어요. 사장님들 다 좋아하세요 😊"),
    (O, "economy", "중장년 일자리 프로그램 {district}에서도 해주세요. 50대도 일하고 싶어요"),
    (C, "economy", "배달플랫폼 수수료 너무 비싸요. 서울시 공공배달앱 다시 활성화해 주세요"),
    (O, "economy", "스타트업 지원 공간 {place} 근처에 있으면 좋겠음"),
    (S, "economy", "희망두배 청년통장 만기 됐어요!! 목돈 생겼습니다 💰 감사해요"),
    (C, "economy", "{place} 노점 단속이 너무 갑작스러워요. 생계가 걸린 문제입니다"),
]

SLOTS: dict[str, list[str]] = {
    "bus": ["472", "143", "740", "7016", "6411", "지선 1711", "271", "N62"],
    "subway": ["2호선", "9호선", "7호선", "신림선", "4호선", "5호선"],
    "station": ["강남", "신도림", "고속터미널", "홍대입구", "잠실", "사당", "노원", "김포공항", "서울역"],
    "place": ["강남역", "신촌", "홍대입구", "종로3가", "잠실", "노원역", "구로디지털단지", "여의도", "망원동",
              "성수동", "연신내", "천호", "미아사거리", "목동", "왕십리", "을지로"],
    "district": ["종로구", "마포구", "강남구", "노원구", "관악구", "송파구", "은평구", "강서구", "성북구", "중랑구"],
    "park": ["여의도공원", "서울숲", "뚝섬한강공원", "북서울꿈의숲", "월드컵공원", "보라매공원", "반포한강공원"],
    "school": ["서울○○초등학교", "△△초", "□□중학교"],
    "event": ["한강 불꽃축제", "서울 빛초롱축제", "서울야외도서관", "서울재즈페스티벌", "서울장미축제",
              "하이 서울 페스티벌", "서울 크리스마스마켓"],
    "time": ["출근 시간", "아침 8시", "퇴근길", "밤 11시", "오후 3시", "새벽 1시"],
    "minutes": ["20", "25", "30", "40", "50"],
    "days": ["3", "5", "일주", "열흘", "2"],
    "weeks": ["2", "3", "4", "6"],
    "months": ["6", "8", "10", "14"],
    "floor": ["12", "15", "9", "20"],
    "angry": ["😡", "😤", "🤬", "ㅡㅡ", "!!", ""],
    "sad": ["😭", "🥲", "ㅠㅠ", "😢", ""],
    "happy": ["😊", "👍", "🥰", "❤️", "👏👏", "ㅎㅎ"],
}

HASHTAGS = ["#서울", "#서울시", "#민원", "#응답하라서울", "#SeoulMySoul", "#시민의소리", "#건의"]
EXTRA_EMOJI = ["🙏", "😀", "🇰🇷", "👨\u200d👩\u200d👧", "🏃\u200d♀️", "👍🏻", "😂", ""]
POLITE_TAIL = [" 부탁드립니다.", " 확인 부탁드려요~", " 감사합니다!", ""]
CASUAL_TAIL = [" 제발 ㅠ", " 진짜 너무함", " ㅋㅋ", " 좀 해줘", ""]

NICKS = [
    ("minji_kim", "김민지"), ("seoul_dad", "서울아빠 🚲"), ("jh_park", "박지훈"), ("bookworm_seoul", "책벌레"),
    ("dongne_01", "동네주민"), ("sy_lee", "이서연"), ("mapo_mom", "마포맘"), ("runner_hangang", "한강러너 🏃"),
    ("oldboy1962", "김영수"), ("yuna.choi", "최유나"), ("gangseo_life", "강서생활"), ("tom_in_seoul", "Tom in Seoul"),
    ("cat_lover", "냥집사 🐈"), ("ddareungi_fan", "따릉이좋아"), ("student_hs", "고딩"), ("ajumma_power", "박순자"),
]


def _typo(rng: random.Random, text: str) -> str:
    """Roughly a fifth of people type fast: lost spaces, doubled letters, a dropped final period."""
    roll = rng.random()
    if roll < 0.08:
        # Lose the spacing of one stretch, as on a phone keyboard.
        words = text.split(" ")
        if len(words) > 3:
            i = rng.randrange(len(words) - 2)
            words[i:i + 2] = [words[i] + words[i + 1]]
        return " ".join(words)
    if roll < 0.14:
        return text.replace("요.", "여.", 1).replace("요 ", "여 ", 1)
    if roll < 0.20:
        return text.replace("주세요", "주세용", 1).replace("했어요", "했어욤", 1)
    return text


def compose(rng: random.Random, account_handle: str, mention: bool = True) -> SimulatedMessage:
    index = rng.randrange(len(TEMPLATES))
    type_, topic, template = TEMPLATES[index]
    values = {key: rng.choice(options) for key, options in SLOTS.items()}
    text = template.format(**values).strip()
    if type_ == C and rng.random() < 0.4:
        # A request in 존댓말 gets a polite tail, one in 반말 a casual one.
        polite = "요" in text or "니다" in text
        text += rng.choice(POLITE_TAIL if polite else CASUAL_TAIL)
    if rng.random() < 0.3:
        text += " " + rng.choice(HASHTAGS)
    if rng.random() < 0.25:
        text += " " + rng.choice(EXTRA_EMOJI)
    text = _typo(rng, text.strip())
    if mention:
        # Now and then a citizen copies in the 120 call centre's account too.
        extra = " @seoul_dasan120" if rng.random() < 0.1 else ""
        text = f"@{account_handle}{extra} {text}"
    handle, name = rng.choice(NICKS)
    return SimulatedMessage(text, type_, topic, index, handle, name)
