const BASE = 'https://api.yuejifen-club.example'

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

// 会员资料只放在内存里；本地只记礼品配送方式这类不含个人信息的偏好
function login(phone, done) {
  post('/api/member/login', { phone }, (res) => {
    if (res) wx.setStorageSync('giftDelivery', 'express')
    done(res && res.member)
  })
}

function saveProfile(profile, done) {
  post('/api/member/profile', profile, (res) => done(!!res))
}

// 后台删除账号和资料；本地缓存一并清空
function deleteAccount(phone, done) {
  post('/api/member/delete', { phone }, (res) => {
    if (res) wx.clearStorageSync()
    done(!!res)
  })
}

module.exports = { login, saveProfile, deleteAccount }
