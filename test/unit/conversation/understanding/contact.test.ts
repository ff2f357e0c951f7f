import { describe, expect, it } from 'vitest'
import { normalizePhone, readEmail, readPhone } from '../../../../src/conversation/understanding/contact.js'

describe('readEmail', () => {
  it.each([
    ['meu email é maria@acme.com', 'maria@acme.com'],
    ['Maria.Souza@Acme.com.br, pode mandar lá', 'Maria.Souza@Acme.com.br'],
    ['my email: john+sdr@acme-logistics.io.', 'john+sdr@acme-logistics.io'],
    ['escríbeme a ana_gomez@gruposur.com.ar por favor', 'ana_gomez@gruposur.com.ar'],
    ['<joão@empresa.com.br>', 'joão@empresa.com.br'],
    ['e-mail (j.smith@acme.co.uk)', 'j.smith@acme.co.uk'],
  ])('%s → %s', (text, email) => {
    expect(readEmail(text)).toBe(email)
  })

  it.each(['sem email', 'maria at acme dot com', '@acme', 'maria@acme', 'twitter: @maria'])('%s has no e-mail', (text) => {
    expect(readEmail(text)).toBeUndefined()
  })
})

describe('readPhone (default BR)', () => {
  it.each([
    ['(11) 98765-4321', '+5511987654321'],
    ['11 987654321', '+5511987654321'],
    ['11987654321', '+5511987654321'],
    ['+55 11 9 8765-4321', '+5511987654321'],
    ['055 11 98765-4321', '+5511987654321'],
    ['011 98765-4321', '+5511987654321'],
    ['meu whats é 11 9 8765 4321, pode chamar', '+5511987654321'],
    ['(21) 3456-7890', '+552134567890'],
    ['fixo: 21 3456 7890', '+552134567890'],
    ['(11) 8765-4321', '+551187654321'],
    ['+5511987654321', '+5511987654321'],
    ['temos 20 lojas e o telefone é (31) 99876-5432', '+5531998765432'],
    ['call me at +1 (415) 555-0100', '+14155550100'],
    ['mi número es +54 9 11 2345-6789', '+5491123456789'],
    ['+44 20 7946 0958 (London office)', '+442079460958'],
    ['0 21 11 98765-4321', '+5511987654321'],
    ['email maria@acme.com tel 11 98765-4321', '+5511987654321'],
  ])('%s → %s', (text, phone) => {
    expect(readPhone(text)).toBe(phone)
  })

  it.each([
    'reunião em 12/05/2024 às 14:30',
    'data: 2024-05-12',
    'CEP 01310-100',
    'meu CPF é 123.456.789-09',
    'cpf: 12345678909',
    'orçamento de R$ 3.000.000',
    'uns 1.500.000 reais',
    'fundada em 2019, 35 funcionários',
    '3456-7890',
    'protocolo 2024051234',
    '12345',
    'pedido nº 98765432101',
    '$ 25,000,000',
  ])('%s has no phone', (text) => {
    expect(readPhone(text)).toBeUndefined()
  })

  it.each([
    ['(415) 555-0100', 'US', '+14155550100'],
    ['1 415 555 0100', 'US', '+14155550100'],
    ['612 345 678', 'ES', '+34612345678'],
    ['+55 21 3456-7890', 'US', '+552134567890'],
  ])('%s in %s → %s', (text, country, phone) => {
    expect(readPhone(text, country)).toBe(phone)
  })
})

describe('normalizePhone (a value a model extracted)', () => {
  it.each([
    ['11987654321', 'BR', '+5511987654321'],
    ['+55 (11) 98765-4321', 'BR', '+5511987654321'],
    ['5511987654321', 'BR', '+5511987654321'],
    ['whatsapp 11 98765-4321', 'BR', '+5511987654321'],
    ['+1 415-555-0100', 'BR', '+14155550100'],
    ['0034 612 345 678', 'BR', '+34612345678'],
  ])('%s (%s) → %s', (value, country, phone) => {
    expect(normalizePhone(value, country)).toBe(phone)
  })

  it.each(['123', '123.456.789-09', '00 00 0000-0000', 'não tenho', '+12', '01310-100'])('%s is no phone', (value) => {
    expect(normalizePhone(value)).toBeUndefined()
  })
})
