"""Writes snsmap/locale/en/LC_MESSAGES/django.po from the table below, then compile it with
`msgfmt -o django.mo django.po` (or `manage.py compilemessages`). The SNS map keeps its own catalog
so that its strings do not crowd the project's one."""

from pathlib import Path

EN = {
    "서울시 SNS 지도": "SNS map of Seoul",
    "SNS 지도": "SNS map",
    "서울시와 자치구의 SNS 계정을 분야별·지역별로 찾아보세요. ‘SMC 답변’ 표시가 있는 계정으로 보낸 질문에는 "
    "서울시 소셜미디어센터가 답합니다.":
        "Find the social media accounts of the City and its districts by field and by area. Questions sent "
        "to an account marked ‘Answered by SMC’ are answered by Seoul's Social Media Center.",
    "자치구 지도": "Map of the districts",
    "기간": "Period",
    "최근 %(n)s일": "Last %(n)s days",
    "보기": "Show",
    "구를 고르면 그 구의 계정과 최근 공개 질문을 봅니다. 색은 최근 %(n)s일 동안의 공개 질문 수입니다.":
        "Choose a district to see its accounts and recent public questions. The colour is the number of "
        "public questions in the last %(n)s days.",
    "%(s)s건 미만은 한 사람을 가리킬 수 있어 “&lt; %(s)s”로만 표시하고 따로 색칠하지 않습니다.":
        "Fewer than %(s)s could point at one person, so they are shown only as “&lt; %(s)s” and not "
        "coloured apart.",
    "%(name)s: 공개 질문 %(n)s건": "%(name)s: %(n)s public questions",
    "최근 %(n)s일 공개 질문 수": "Public questions in the last %(n)s days",
    "0건 또는 %(s)s건 미만": "None or fewer than %(s)s",
    "%(a)s건": "%(a)s",
    "%(a)s–%(b)s건": "%(a)s–%(b)s",
    "지도 대신 표로 보기": "Show as a table instead of the map",
    "자치구별 SNS 계정 수와 최근 %(n)s일 공개 질문 수":
        "Accounts and public questions of the last %(n)s days per district",
    "자치구": "District",
    "계정": "Accounts",
    "공개 질문": "Public questions",
    "분야별 계정 %(n)s개": "%(n)s accounts by field",
    "계정 찾기": "Find an account",
    "이름": "Name",
    "분야": "Field",
    "전체": "All",
    "플랫폼": "Platform",
    "찾기": "Find",
    "조건 지우기": "Clear the filters",
    "조건에 맞는 계정이 없습니다.": "No account matches.",
    "지도: 통계청 센서스 경계(2013), southkorea/seoul-maps (Apache-2.0)":
        "Map: Statistics Korea census boundaries (2013), southkorea/seoul-maps (Apache-2.0)",
    "최근 %(d)s일 공개 질문 %(n)s건": "%(n)s public questions in the last %(d)s days",
    "%(name)s의 SNS 계정": "Accounts of %(name)s",
    "등록된 계정이 없습니다.": "No account registered.",
    "최근 공개 질문": "Recent public questions",
    "운영": "Run by",
    "팔로워 %(n)s": "%(n)s followers",
    "SMC 답변": "Answered by SMC",
    "X (트위터)": "X (Twitter)",
    "페이스북": "Facebook",
    "미투데이": "me2day",
    "인스타그램": "Instagram",
    "유튜브": "YouTube",
    "카카오톡 채널": "KakaoTalk channel",
    "지역": "Area",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', '"Language: en\\n"', ""]
    for ko, en in EN.items():
        flag = ["#, python-format"] if "%(" in ko else []
        lines += [*flag, f"msgid {_quote(ko)}", f"msgstr {_quote(en)}", ""]
    Path(__file__).with_name("en").joinpath("LC_MESSAGES", "django.po").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
