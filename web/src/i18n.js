// UI text in Korean and English; the choice is kept in localStorage.
const text = {
  en: {
    appName: 'Partner', language: 'Language', rooms: 'Rooms', random: 'Random match', matches: 'My matches', profile: 'Profile',
    alarms: 'Alarms', unread: 'unread', signIn: 'Sign in', signOut: 'Sign out', devLogin: 'Dev login', login: 'Login',
    signInWith42: 'Sign in with 42', signInToContinue: 'Sign in to continue.', category: 'Category', status: 'Status', date: 'Date',
    any: 'Any', open: 'Open', completed: 'Completed', full: 'Full', newRoom: 'New room', previous: 'Previous', next: 'Next',
    page: 'Page', noRooms: 'No rooms.', participants: 'Participants', capacity: 'Capacity', owner: 'Owner', anonymous: 'Anonymous',
    anonymousUser: 'Anonymous', me: 'me', join: 'Join', leave: 'Leave', edit: 'Edit', delete: 'Delete', complete: 'Complete match',
    confirmDelete: 'Really delete?', yes: 'Yes', no: 'No', comments: 'Comments', comment: 'Comment', reply: 'Reply', save: 'Save',
    cancel: 'Cancel', deletedComment: '(deleted comment)', title: 'Title', content: 'Content', conditions: 'Conditions', create: 'Create',
    roomDeleted: 'This room was deleted.', viewMatch: 'View the match', loading: 'Loading…', waiting: 'Waiting',
    waitingCount: 'People waiting', apply: 'Apply', cancelTicket: 'Cancel waiting', ticket: 'My ticket',
    compatibleWaiting: 'Compatible people waiting', estimatedWait: 'Estimated wait (s)', matched: 'Matched!', expired: 'Expired',
    cancelled: 'Cancelled', noAlarms: 'No alarms.', markRead: 'Mark all read', noMatches: 'No matches yet.', members: 'Members',
    review: 'Review', reviewed: 'You reviewed this match.', absent: 'Absent', send: 'Send', score: 'Activity score', email: 'E-mail',
    changeEmail: 'Change e-mail', saved: 'Saved.', withdraw: 'Withdraw', withdrawConfirm: 'Withdrawing ends your account: you leave your open rooms and queues. Continue?',
    withdrawYes: 'Yes, withdraw', nickname: 'Nickname', method: 'Method', live: 'Live', offline: 'Reconnecting…', error: 'Something went wrong.',
    notFound: 'Not found.', mainNav: 'Main', signInFailed: 'Sign-in failed', skip: 'Skip to content', errorsAbove: 'Please fix the fields marked below.', room: 'Room', edited: 'edited', dashboard: 'Orleans dashboard',
  },
  ko: {
    appName: '파트너', language: '언어', rooms: '방 목록', random: '랜덤 매칭', matches: '내 매칭', profile: '프로필',
    alarms: '알림', unread: '읽지 않음', signIn: '로그인', signOut: '로그아웃', devLogin: '개발용 로그인', login: '로그인 ID',
    signInWith42: '42로 로그인', signInToContinue: '계속하려면 로그인하세요.', category: '카테고리', status: '상태', date: '날짜',
    any: '전체', open: '모집 중', completed: '완료', full: '마감', newRoom: '방 만들기', previous: '이전', next: '다음',
    page: '페이지', noRooms: '방이 없습니다.', participants: '참여자', capacity: '정원', owner: '방장', anonymous: '익명',
    anonymousUser: '익명', me: '나', join: '참여하기', leave: '나가기', edit: '수정', delete: '삭제', complete: '매칭 완료',
    confirmDelete: '정말 삭제할까요?', yes: '예', no: '아니요', comments: '댓글', comment: '댓글 달기', reply: '답글', save: '저장',
    cancel: '취소', deletedComment: '(삭제된 댓글)', title: '제목', content: '내용', conditions: '조건', create: '만들기',
    roomDeleted: '삭제된 방입니다.', viewMatch: '매칭 보기', loading: '불러오는 중…', waiting: '대기 중',
    waitingCount: '대기 인원', apply: '신청', cancelTicket: '대기 취소', ticket: '내 신청',
    compatibleWaiting: '조건이 맞는 대기자', estimatedWait: '예상 대기(초)', matched: '매칭되었습니다!', expired: '만료됨',
    cancelled: '취소됨', noAlarms: '알림이 없습니다.', markRead: '모두 읽음', noMatches: '아직 매칭이 없습니다.', members: '멤버',
    review: '리뷰', reviewed: '이 매칭을 리뷰했습니다.', absent: '불참', send: '보내기', score: '활동 점수', email: '이메일',
    changeEmail: '이메일 변경', saved: '저장했습니다.', withdraw: '탈퇴', withdrawConfirm: '탈퇴하면 계정이 종료되고 참여 중인 방과 대기열에서 나갑니다. 계속할까요?',
    withdrawYes: '네, 탈퇴합니다', nickname: '닉네임', method: '방식', live: '실시간', offline: '다시 연결 중…', error: '문제가 발생했습니다.',
    notFound: '찾을 수 없습니다.', mainNav: '주 메뉴', signInFailed: '로그인 실패', skip: '본문으로 건너뛰기', errorsAbove: '아래 표시된 항목을 고쳐 주세요.', room: '방', edited: '수정됨', dashboard: 'Orleans 대시보드',
  },
};

export const languages = [['ko', '한국어'], ['en', 'English']];
let current = localStorage.getItem('partner.lang') ?? (navigator.language?.startsWith('ko') ? 'ko' : 'en');
if (!text[current]) current = 'en';
document.documentElement.lang = current;

export const lang = () => current;
export function setLang(value) {
  current = text[value] ? value : 'en';
  localStorage.setItem('partner.lang', current);
  document.documentElement.lang = current;
}
export const t = (key) => text[current][key] ?? text.en[key] ?? key;
