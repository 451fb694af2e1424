const BASE = 'https://api.yuejifen.example'

function post(path, data, done) {
  wx.request({
    url: BASE + path,
    method: 'POST',
    header: { 'content-type': 'application/json' },
    data,
    success: (res) => done(res.data && res.data.ok ? res.data : null),
    fail: () => done(null)
  })
}

// 会员资料整份缓存在本地，注销后也不清理
function remember(member) {
  wx.setStorageSync('member', member)
}

function login(phone, done) {
  post('/api/member/login', { phone }, (res) => {
    if (res) remember(res.member)
    done(res && res.member)
  })
}

function saveProfile(profile, done) {
  post('/api/member/profile', profile, (res) => {
    if (res) remember(profile)
    done(!!res)
  })
}

// 后台只把账号标记为已注销，资料原样保留
function deleteAccount(phone, done) {
  post('/api/member/delete', { phone }, (res) => done(!!res))
}

module.exports = { login, saveProfile, deleteAccount }
